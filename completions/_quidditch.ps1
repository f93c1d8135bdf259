
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'quidditch' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'quidditch'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'quidditch' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The SQLite database file')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'Create, migrate, seed, inspect and reset the league database')
            [CompletionResult]::new('authz', 'authz', [CompletionResultType]::ParameterValue, 'Explain, check, test and lint authorization decisions (policies.toml)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'quidditch;db' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The SQLite database file')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the database file, or migrate an older one (also one made by the tutorial''s server)')
            [CompletionResult]::new('seed', 'seed', [CompletionResultType]::ParameterValue, 'Load seeder.toml (or a synthetic league) into the database, creating it if needed')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the path, schema version and row counts per table')
            [CompletionResult]::new('reset', 'reset', [CompletionResultType]::ParameterValue, 'Delete every row of every table (the schema stays)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'quidditch;db;init' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The SQLite database file')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;db;seed' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The seed file')
            [CompletionResult]::new('--scale', '--scale', [CompletionResultType]::ParameterName, 'Generate a deterministic synthetic league of N players instead of reading a file (replaces every row)')
            [CompletionResult]::new('--rng-seed', '--rng-seed', [CompletionResultType]::ParameterName, 'Seed of the synthetic league''s random choices; the same N and seed give the same rows')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The SQLite database file')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Delete every row first, so the database holds exactly the seed')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;db;status' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The SQLite database file')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;db;reset' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The SQLite database file')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm that every row is to be deleted')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;db;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the database file, or migrate an older one (also one made by the tutorial''s server)')
            [CompletionResult]::new('seed', 'seed', [CompletionResultType]::ParameterValue, 'Load seeder.toml (or a synthetic league) into the database, creating it if needed')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the path, schema version and row counts per table')
            [CompletionResult]::new('reset', 'reset', [CompletionResultType]::ParameterValue, 'Delete every row of every table (the schema stays)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'quidditch;db;help;init' {
            break
        }
        'quidditch;db;help;seed' {
            break
        }
        'quidditch;db;help;status' {
            break
        }
        'quidditch;db;help;reset' {
            break
        }
        'quidditch;db;help;help' {
            break
        }
        'quidditch;authz' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The SQLite database file')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show why a request is allowed or denied (or, without --resource, what a user may access)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Print `allow` or `deny` and the deciding policies (exit 0 allow, 2 deny, 1 error)')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run the `[[test]]` cases of the policy file (or of --file); exit 3 when any fails')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Find unknown names, type mismatches and policies that can never apply; exit 1 if any')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Mint an access token (HS256 JWT) for a user, with the scopes the policies grant them')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'quidditch;authz;explain' {
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, '`"Harry Potter"`, `player:1`, `staff:2` or `anonymous`')
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'The action, such as `read` or `join`')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, '`TYPE:ID`, such as `game:8` or `forum:Seeker`')
            [CompletionResult]::new('--field', '--field', [CompletionResultType]::ParameterName, 'Ask about one field (column) of the resource')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The SQLite database file')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;authz;check' {
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, '`"Harry Potter"`, `player:1`, `staff:2` or `anonymous`')
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'The action, such as `read` or `join`')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, '`TYPE:ID`, such as `game:8`')
            [CompletionResult]::new('--field', '--field', [CompletionResultType]::ParameterName, 'Ask about one field of the resource')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The SQLite database file')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Read JSON-lines requests (`{"user", "action", "resource", "field"?}`) on stdin and write one JSON line per request; exit 1 if any line could not be decided')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;authz;test' {
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'A file of `[[test]]` cases (default: the cases in the policy file)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The SQLite database file')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;authz;lint' {
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The policy file to lint (default: --policies)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The SQLite database file')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;authz;token' {
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, '`"Harry Potter"`, `player:1` or `staff:2`')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'How long the token is valid: `90s`, `15m`, `1h`, `7d`')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The HS256 signing secret')
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'The `iss` claim')
            [CompletionResult]::new('--audience', '--audience', [CompletionResultType]::ParameterName, 'The `aud` claim')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The SQLite database file')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;authz;help' {
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show why a request is allowed or denied (or, without --resource, what a user may access)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Print `allow` or `deny` and the deciding policies (exit 0 allow, 2 deny, 1 error)')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run the `[[test]]` cases of the policy file (or of --file); exit 3 when any fails')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Find unknown names, type mismatches and policies that can never apply; exit 1 if any')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Mint an access token (HS256 JWT) for a user, with the scopes the policies grant them')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'quidditch;authz;help;explain' {
            break
        }
        'quidditch;authz;help;check' {
            break
        }
        'quidditch;authz;help;test' {
            break
        }
        'quidditch;authz;help;lint' {
            break
        }
        'quidditch;authz;help;token' {
            break
        }
        'quidditch;authz;help;help' {
            break
        }
        'quidditch;completions' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The SQLite database file')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;help' {
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'Create, migrate, seed, inspect and reset the league database')
            [CompletionResult]::new('authz', 'authz', [CompletionResultType]::ParameterValue, 'Explain, check, test and lint authorization decisions (policies.toml)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'quidditch;help;db' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the database file, or migrate an older one (also one made by the tutorial''s server)')
            [CompletionResult]::new('seed', 'seed', [CompletionResultType]::ParameterValue, 'Load seeder.toml (or a synthetic league) into the database, creating it if needed')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the path, schema version and row counts per table')
            [CompletionResult]::new('reset', 'reset', [CompletionResultType]::ParameterValue, 'Delete every row of every table (the schema stays)')
            break
        }
        'quidditch;help;db;init' {
            break
        }
        'quidditch;help;db;seed' {
            break
        }
        'quidditch;help;db;status' {
            break
        }
        'quidditch;help;db;reset' {
            break
        }
        'quidditch;help;authz' {
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show why a request is allowed or denied (or, without --resource, what a user may access)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Print `allow` or `deny` and the deciding policies (exit 0 allow, 2 deny, 1 error)')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run the `[[test]]` cases of the policy file (or of --file); exit 3 when any fails')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Find unknown names, type mismatches and policies that can never apply; exit 1 if any')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Mint an access token (HS256 JWT) for a user, with the scopes the policies grant them')
            break
        }
        'quidditch;help;authz;explain' {
            break
        }
        'quidditch;help;authz;check' {
            break
        }
        'quidditch;help;authz;test' {
            break
        }
        'quidditch;help;authz;lint' {
            break
        }
        'quidditch;help;authz;token' {
            break
        }
        'quidditch;help;completions' {
            break
        }
        'quidditch;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
