
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
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'Create, migrate, seed, inspect and reset the league database')
            [CompletionResult]::new('authz', 'authz', [CompletionResultType]::ParameterValue, 'Explain, check, test and lint authorization decisions (policies.toml)')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Run the tutorial''s GraphQL queries, in-process or against a server')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the GraphQL API over HTTP')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the GraphQL schema, or pull a server''s')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'quidditch;db' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
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
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
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
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The seed file [default: ./seeder.toml, else the built-in copy of the tutorial''s data]')
            [CompletionResult]::new('--scale', '--scale', [CompletionResultType]::ParameterName, 'Generate a deterministic synthetic league of N players instead of reading a file (replaces every row: a database that has rows needs --replace)')
            [CompletionResult]::new('--rng-seed', '--rng-seed', [CompletionResultType]::ParameterName, 'Seed of the synthetic league''s random choices; the same N and seed give the same rows')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('--print-default', '--print-default', [CompletionResultType]::ParameterName, 'Print the built-in seeder.toml (the tutorial''s data) instead of seeding')
            [CompletionResult]::new('--replace', '--replace', [CompletionResultType]::ParameterName, 'Delete every row first, so the database holds exactly the seed (an empty file is refused: `db reset --yes` empties the database)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;db;status' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
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
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
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
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show why a request is allowed or denied (without --resource: what a user may access; with --query: what a GraphQL operation returns to them)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Print `allow` or `deny` and the deciding policies (exit 0 allow, 2 deny, 1 error)')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run the `[[test]]` cases of the policy file (or of --file); exit 3 when any fails')
            [CompletionResult]::new('who-can', 'who-can', [CompletionResultType]::ParameterValue, 'List every subject (anonymous, each player, each staff member) allowed an action on a resource, each with the policies that allow it')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Every decision that differs between two policy files on the database: per subject, the resources (and fields) gained and lost, with the deciding policies on each side')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Find unknown names, type mismatches and policies that can never apply; exit 1 if any')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Mint an access token (HS256 JWT) for a user, with the scopes the policies grant them')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Print the shipped policies.toml (built into the binary), to start a policy file from')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Summarize a decision log (`serve --decision-log`): requests and denials by subject, withheld rows and fields by policy, withheld fields, refusals and limit rejections')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export the policies and the database to OpenFGA or SpiceDB: a model whose permissions (one per action, on objects named as here: `game:8`, `player:1`, `forum:Seeker`) decide as `authz check` does, and the relationship tuples the rows imply, streamed')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'quidditch;authz;explain' {
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, '`"Harry Potter"`, `player:1`, `staff:2` or `anonymous`')
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'The action, such as `read` or `join`')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, '`TYPE:ID`, such as `game:8` or `forum:Seeker`')
            [CompletionResult]::new('--field', '--field', [CompletionResultType]::ParameterName, 'Ask about one field (column) of the resource')
            [CompletionResult]::new('--query', '--query', [CompletionResultType]::ParameterName, 'Explain a whole GraphQL operation read from FILE (`-`: stdin), without running it')
            [CompletionResult]::new('--operation', '--operation', [CompletionResultType]::ParameterName, 'The operation of the --query document to explain (needed when it holds several)')
            [CompletionResult]::new('--vars', '--vars', [CompletionResultType]::ParameterName, 'The operation''s variables, a JSON object (they count in `first`/`last` complexity)')
            [CompletionResult]::new('--assume', '--assume', [CompletionResultType]::ParameterName, 'Decide as if a change were made, without writing it (repeatable): `player:1.team_id=4` sets a column, `game:10 {level="Final", winner_id=1, loser_id=2}` adds a row, `-game:6` removes one. Values are TOML literals or `null`. The database is opened read-only')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Decide with this request context (repeatable), each name declared under `[context]`: `now=2026-01-01T00:00:00Z`, `ip=10.0.0.1`, `scopes=games:read,chat`, `claims.org_id=7`. A condition needing a value not given fails closed (an allow does not apply, a deny does)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('--json-schema', '--json-schema', [CompletionResultType]::ParameterName, 'Print the JSON Schema of `--format json`''s output (a decision, a profile or a query report) and exit')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;authz;check' {
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, '`"Harry Potter"`, `player:1`, `staff:2` or `anonymous`')
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'The action, such as `read` or `join`')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, '`TYPE:ID`, such as `game:8`')
            [CompletionResult]::new('--field', '--field', [CompletionResultType]::ParameterName, 'Ask about one field of the resource')
            [CompletionResult]::new('--assume', '--assume', [CompletionResultType]::ParameterName, 'Decide as if a change were made, without writing it (repeatable): `player:1.team_id=4` sets a column, `game:10 {level="Final", winner_id=1, loser_id=2}` adds a row, `-game:6` removes one. Values are TOML literals or `null`. The database is opened read-only')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Decide with this request context (repeatable), each name declared under `[context]`: `now=2026-01-01T00:00:00Z`, `ip=10.0.0.1`, `scopes=games:read,chat`, `claims.org_id=7`. A condition needing a value not given fails closed (an allow does not apply, a deny does)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
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
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'A file of `[[test]]` cases (default: the cases in the policy file)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Decide with this request context (repeatable), each name declared under `[context]`: `now=2026-01-01T00:00:00Z`, `ip=10.0.0.1`, `scopes=games:read,chat`, `claims.org_id=7`. A condition needing a value not given fails closed (an allow does not apply, a deny does)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('--coverage', '--coverage', [CompletionResultType]::ParameterName, 'After the tests, say which policies and condition branches (`_or` arms, relationship traversals) the cases made both true and false, and list the others with their `policies.toml:LINE:COL`')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;authz;who-can' {
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'The action, such as `read` or `join`')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, '`TYPE:ID`, such as `game:8` or `forum:Seeker`')
            [CompletionResult]::new('--field', '--field', [CompletionResultType]::ParameterName, 'Ask about one field of the resource')
            [CompletionResult]::new('--assume', '--assume', [CompletionResultType]::ParameterName, 'Decide as if a change were made, without writing it (repeatable): `player:1.team_id=4` sets a column, `game:10 {level="Final", winner_id=1, loser_id=2}` adds a row, `-game:6` removes one. Values are TOML literals or `null`. The database is opened read-only')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Decide with this request context (repeatable), each name declared under `[context]`: `now=2026-01-01T00:00:00Z`, `ip=10.0.0.1`, `scopes=games:read,chat`, `claims.org_id=7`. A condition needing a value not given fails closed (an allow does not apply, a deny does)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('--explain', '--explain', [CompletionResultType]::ParameterName, 'Say, per subject and policy, which condition path allowed it')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Print only how many subjects are allowed')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;authz;diff' {
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Compare the decisions of one subject only: `"Harry Potter"`, `player:1`, `staff:2` or `anonymous`')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Exit 2 when any decision differs, 0 when none does (as `git diff --exit-code`)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;authz;lint' {
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The policy file to lint (default: --policies)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
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
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, '`"Harry Potter"`, `player:1` or `staff:2`')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'How long the token is valid: `90s`, `15m`, `1h`, `7d`')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The HS256 signing secret')
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'The `iss` claim')
            [CompletionResult]::new('--audience', '--audience', [CompletionResultType]::ParameterName, 'The `aud` claim')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;authz;init' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;authz;log' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only the requests of this subject: `player:1`, or the name, `Harry Potter`')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('--denied', '--denied', [CompletionResultType]::ParameterName, 'Only requests that had something withheld or were refused')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;authz;export' {
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The engine whose files to write')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The directory to write the files into (created if needed)')
            [CompletionResult]::new('--changes-since', '--changes-since', [CompletionResultType]::ParameterName, 'Also write the relationship changes from the export in DIR (an earlier `--out` of the same engine) to this one: `changes.txt` (SpiceDB: `TOUCH`/`DELETE` lines) or `changes.yaml` (OpenFGA: `deletes`, then `writes`). Both exports'' relationships are sorted on disk and compared in order, in bounded memory')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('--partial', '--partial', [CompletionResultType]::ParameterName, 'Export what can be translated and list the rest in the files'' headers, instead of refusing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;authz;help' {
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show why a request is allowed or denied (without --resource: what a user may access; with --query: what a GraphQL operation returns to them)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Print `allow` or `deny` and the deciding policies (exit 0 allow, 2 deny, 1 error)')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run the `[[test]]` cases of the policy file (or of --file); exit 3 when any fails')
            [CompletionResult]::new('who-can', 'who-can', [CompletionResultType]::ParameterValue, 'List every subject (anonymous, each player, each staff member) allowed an action on a resource, each with the policies that allow it')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Every decision that differs between two policy files on the database: per subject, the resources (and fields) gained and lost, with the deciding policies on each side')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Find unknown names, type mismatches and policies that can never apply; exit 1 if any')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Mint an access token (HS256 JWT) for a user, with the scopes the policies grant them')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Print the shipped policies.toml (built into the binary), to start a policy file from')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Summarize a decision log (`serve --decision-log`): requests and denials by subject, withheld rows and fields by policy, withheld fields, refusals and limit rejections')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export the policies and the database to OpenFGA or SpiceDB: a model whose permissions (one per action, on objects named as here: `game:8`, `player:1`, `forum:Seeker`) decide as `authz check` does, and the relationship tuples the rows imply, streamed')
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
        'quidditch;authz;help;who-can' {
            break
        }
        'quidditch;authz;help;diff' {
            break
        }
        'quidditch;authz;help;lint' {
            break
        }
        'quidditch;authz;help;token' {
            break
        }
        'quidditch;authz;help;init' {
            break
        }
        'quidditch;authz;help;log' {
            break
        }
        'quidditch;authz;help;export' {
            break
        }
        'quidditch;authz;help;help' {
            break
        }
        'quidditch;query' {
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Send this access token (`quidditch authz token` mints one); HTTP only')
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--admin-secret', '--admin-secret', [CompletionResultType]::ParameterName, 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only')
            [CompletionResult]::new('--jwt-secret', '--jwt-secret', [CompletionResultType]::ParameterName, 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only')
            [CompletionResult]::new('--jwt-issuer', '--jwt-issuer', [CompletionResultType]::ParameterName, 'The `iss` claim of a minted token')
            [CompletionResult]::new('--jwt-audience', '--jwt-audience', [CompletionResultType]::ParameterName, 'The `aud` claim of a minted token')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('get-game', 'get-game', [CompletionResultType]::ParameterValue, 'A game, its teams, and the game its winner advances to (`getGame`)')
            [CompletionResult]::new('get-player', 'get-player', [CompletionResultType]::ParameterValue, 'A player by exact name, with position and team (`getPlayer`)')
            [CompletionResult]::new('team-games', 'team-games', [CompletionResultType]::ParameterValue, 'Every game a team won or lost (`getTeamGames`)')
            [CompletionResult]::new('position', 'position', [CompletionResultType]::ParameterValue, 'Every player of a position (`getPosition`)')
            [CompletionResult]::new('players', 'players', [CompletionResultType]::ParameterValue, 'A page of players with their team (`allPlayers`)')
            [CompletionResult]::new('teams', 'teams', [CompletionResultType]::ParameterValue, 'A page of teams (`allTeams`)')
            [CompletionResult]::new('games', 'games', [CompletionResultType]::ParameterValue, 'A page of games (`allGames`)')
            [CompletionResult]::new('node', 'node', [CompletionResultType]::ParameterValue, 'Any object by its relay global id (`node`)')
            [CompletionResult]::new('raw', 'raw', [CompletionResultType]::ParameterValue, 'Any GraphQL document; prints the JSON response')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'quidditch;query;get-game' {
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Send this access token (`quidditch authz token` mints one); HTTP only')
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--admin-secret', '--admin-secret', [CompletionResultType]::ParameterName, 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only')
            [CompletionResult]::new('--jwt-secret', '--jwt-secret', [CompletionResultType]::ParameterName, 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only')
            [CompletionResult]::new('--jwt-issuer', '--jwt-issuer', [CompletionResultType]::ParameterName, 'The `iss` claim of a minted token')
            [CompletionResult]::new('--jwt-audience', '--jwt-audience', [CompletionResultType]::ParameterName, 'The `aud` claim of a minted token')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;query;get-player' {
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Send this access token (`quidditch authz token` mints one); HTTP only')
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--admin-secret', '--admin-secret', [CompletionResultType]::ParameterName, 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only')
            [CompletionResult]::new('--jwt-secret', '--jwt-secret', [CompletionResultType]::ParameterName, 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only')
            [CompletionResult]::new('--jwt-issuer', '--jwt-issuer', [CompletionResultType]::ParameterName, 'The `iss` claim of a minted token')
            [CompletionResult]::new('--jwt-audience', '--jwt-audience', [CompletionResultType]::ParameterName, 'The `aud` claim of a minted token')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;query;team-games' {
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Send this access token (`quidditch authz token` mints one); HTTP only')
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--admin-secret', '--admin-secret', [CompletionResultType]::ParameterName, 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only')
            [CompletionResult]::new('--jwt-secret', '--jwt-secret', [CompletionResultType]::ParameterName, 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only')
            [CompletionResult]::new('--jwt-issuer', '--jwt-issuer', [CompletionResultType]::ParameterName, 'The `iss` claim of a minted token')
            [CompletionResult]::new('--jwt-audience', '--jwt-audience', [CompletionResultType]::ParameterName, 'The `aud` claim of a minted token')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;query;position' {
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Send this access token (`quidditch authz token` mints one); HTTP only')
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--admin-secret', '--admin-secret', [CompletionResultType]::ParameterName, 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only')
            [CompletionResult]::new('--jwt-secret', '--jwt-secret', [CompletionResultType]::ParameterName, 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only')
            [CompletionResult]::new('--jwt-issuer', '--jwt-issuer', [CompletionResultType]::ParameterName, 'The `iss` claim of a minted token')
            [CompletionResult]::new('--jwt-audience', '--jwt-audience', [CompletionResultType]::ParameterName, 'The `aud` claim of a minted token')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;query;players' {
            [CompletionResult]::new('--first', '--first', [CompletionResultType]::ParameterName, 'At most this many rows')
            [CompletionResult]::new('--after', '--after', [CompletionResultType]::ParameterName, 'Start after this cursor (an `endCursor` of an earlier page)')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Send this access token (`quidditch authz token` mints one); HTTP only')
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--admin-secret', '--admin-secret', [CompletionResultType]::ParameterName, 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only')
            [CompletionResult]::new('--jwt-secret', '--jwt-secret', [CompletionResultType]::ParameterName, 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only')
            [CompletionResult]::new('--jwt-issuer', '--jwt-issuer', [CompletionResultType]::ParameterName, 'The `iss` claim of a minted token')
            [CompletionResult]::new('--jwt-audience', '--jwt-audience', [CompletionResultType]::ParameterName, 'The `aud` claim of a minted token')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;query;teams' {
            [CompletionResult]::new('--first', '--first', [CompletionResultType]::ParameterName, 'At most this many rows')
            [CompletionResult]::new('--after', '--after', [CompletionResultType]::ParameterName, 'Start after this cursor (an `endCursor` of an earlier page)')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Send this access token (`quidditch authz token` mints one); HTTP only')
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--admin-secret', '--admin-secret', [CompletionResultType]::ParameterName, 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only')
            [CompletionResult]::new('--jwt-secret', '--jwt-secret', [CompletionResultType]::ParameterName, 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only')
            [CompletionResult]::new('--jwt-issuer', '--jwt-issuer', [CompletionResultType]::ParameterName, 'The `iss` claim of a minted token')
            [CompletionResult]::new('--jwt-audience', '--jwt-audience', [CompletionResultType]::ParameterName, 'The `aud` claim of a minted token')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;query;games' {
            [CompletionResult]::new('--first', '--first', [CompletionResultType]::ParameterName, 'At most this many rows')
            [CompletionResult]::new('--after', '--after', [CompletionResultType]::ParameterName, 'Start after this cursor (an `endCursor` of an earlier page)')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Send this access token (`quidditch authz token` mints one); HTTP only')
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--admin-secret', '--admin-secret', [CompletionResultType]::ParameterName, 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only')
            [CompletionResult]::new('--jwt-secret', '--jwt-secret', [CompletionResultType]::ParameterName, 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only')
            [CompletionResult]::new('--jwt-issuer', '--jwt-issuer', [CompletionResultType]::ParameterName, 'The `iss` claim of a minted token')
            [CompletionResult]::new('--jwt-audience', '--jwt-audience', [CompletionResultType]::ParameterName, 'The `aud` claim of a minted token')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;query;node' {
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Send this access token (`quidditch authz token` mints one); HTTP only')
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--admin-secret', '--admin-secret', [CompletionResultType]::ParameterName, 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only')
            [CompletionResult]::new('--jwt-secret', '--jwt-secret', [CompletionResultType]::ParameterName, 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only')
            [CompletionResult]::new('--jwt-issuer', '--jwt-issuer', [CompletionResultType]::ParameterName, 'The `iss` claim of a minted token')
            [CompletionResult]::new('--jwt-audience', '--jwt-audience', [CompletionResultType]::ParameterName, 'The `aud` claim of a minted token')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;query;raw' {
            [CompletionResult]::new('--var', '--var', [CompletionResultType]::ParameterName, 'A variable, `key=value`; the value is read as JSON when it parses, else as a string')
            [CompletionResult]::new('--vars', '--vars', [CompletionResultType]::ParameterName, 'All variables as one JSON object (`--var` entries are added to it)')
            [CompletionResult]::new('--operation-name', '--operation-name', [CompletionResultType]::ParameterName, 'The operation to run when the document holds several')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Send this access token (`quidditch authz token` mints one); HTTP only')
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--admin-secret', '--admin-secret', [CompletionResultType]::ParameterName, 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only')
            [CompletionResult]::new('--jwt-secret', '--jwt-secret', [CompletionResultType]::ParameterName, 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only')
            [CompletionResult]::new('--jwt-issuer', '--jwt-issuer', [CompletionResultType]::ParameterName, 'The `iss` claim of a minted token')
            [CompletionResult]::new('--jwt-audience', '--jwt-audience', [CompletionResultType]::ParameterName, 'The `aud` claim of a minted token')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('--sql-stats', '--sql-stats', [CompletionResultType]::ParameterName, 'Print the number of SQL statements the request ran on stderr (in-process only)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;query;help' {
            [CompletionResult]::new('get-game', 'get-game', [CompletionResultType]::ParameterValue, 'A game, its teams, and the game its winner advances to (`getGame`)')
            [CompletionResult]::new('get-player', 'get-player', [CompletionResultType]::ParameterValue, 'A player by exact name, with position and team (`getPlayer`)')
            [CompletionResult]::new('team-games', 'team-games', [CompletionResultType]::ParameterValue, 'Every game a team won or lost (`getTeamGames`)')
            [CompletionResult]::new('position', 'position', [CompletionResultType]::ParameterValue, 'Every player of a position (`getPosition`)')
            [CompletionResult]::new('players', 'players', [CompletionResultType]::ParameterValue, 'A page of players with their team (`allPlayers`)')
            [CompletionResult]::new('teams', 'teams', [CompletionResultType]::ParameterValue, 'A page of teams (`allTeams`)')
            [CompletionResult]::new('games', 'games', [CompletionResultType]::ParameterValue, 'A page of games (`allGames`)')
            [CompletionResult]::new('node', 'node', [CompletionResultType]::ParameterValue, 'Any object by its relay global id (`node`)')
            [CompletionResult]::new('raw', 'raw', [CompletionResultType]::ParameterValue, 'Any GraphQL document; prints the JSON response')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'quidditch;query;help;get-game' {
            break
        }
        'quidditch;query;help;get-player' {
            break
        }
        'quidditch;query;help;team-games' {
            break
        }
        'quidditch;query;help;position' {
            break
        }
        'quidditch;query;help;players' {
            break
        }
        'quidditch;query;help;teams' {
            break
        }
        'quidditch;query;help;games' {
            break
        }
        'quidditch;query;help;node' {
            break
        }
        'quidditch;query;help;raw' {
            break
        }
        'quidditch;query;help;help' {
            break
        }
        'quidditch;serve' {
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'The address to listen on (port 0: any free port)')
            [CompletionResult]::new('--policies', '--policies', [CompletionResultType]::ParameterName, 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]')
            [CompletionResult]::new('--jwt-secret', '--jwt-secret', [CompletionResultType]::ParameterName, 'Accept HS256 tokens signed with this secret (`quidditch authz token` mints them)')
            [CompletionResult]::new('--jwt-public-key', '--jwt-public-key', [CompletionResultType]::ParameterName, 'Accept RS256 tokens verified with this PEM public key (tokens issued elsewhere) instead')
            [CompletionResult]::new('--jwks-url', '--jwks-url', [CompletionResultType]::ParameterName, 'Accept tokens signed by an identity provider: RS256, ES256 and EdDSA keys from the JWKS at this URL, chosen by the token''s `kid`. Read at start (unreachable: the server does not start), again every --jwks-refresh and when a token names an unknown `kid` (at most every 10 s); a later failure keeps the last good keys and logs a warning. `[identity]` in policies.toml maps the token''s subject to a player or staff member')
            [CompletionResult]::new('--jwks-file', '--jwks-file', [CompletionResultType]::ParameterName, 'Like --jwks-url, from a JWKS file (offline use): read at start and again like the URL')
            [CompletionResult]::new('--jwks-refresh', '--jwks-refresh', [CompletionResultType]::ParameterName, 'How often the JWKS is read again, whatever tokens arrive')
            [CompletionResult]::new('--jwt-issuer', '--jwt-issuer', [CompletionResultType]::ParameterName, 'Require this `iss` claim in tokens (over `[identity] issuer`)')
            [CompletionResult]::new('--jwt-audience', '--jwt-audience', [CompletionResultType]::ParameterName, 'Require this `aud` claim in tokens (over `[identity] audience`)')
            [CompletionResult]::new('--jwt-leeway', '--jwt-leeway', [CompletionResultType]::ParameterName, 'Clock skew tolerated on tokens: accepted this long past `exp`, and this long before their `nbf` or `iat` (a token not yet valid, or issued in the future, is refused). Over `[identity] clock_skew`; without either, none')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Cancel a query still running after this long, answering 504 with a `REQUEST_TIMEOUT` error. On PostgreSQL also the `statement_timeout` of the server''s connections, so a read waiting for a lock ends then too. Durations: `500ms`, `10s`, `2m`')
            [CompletionResult]::new('--header-timeout', '--header-timeout', [CompletionResultType]::ParameterName, 'Close a connection whose request head (or first request) has not fully arrived after this long')
            [CompletionResult]::new('--body-timeout', '--body-timeout', [CompletionResultType]::ParameterName, 'Answer 408 and close the connection when a request body has not fully arrived this long after its head')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Close a keep-alive connection that sends no new request for this long')
            [CompletionResult]::new('--write-timeout', '--write-timeout', [CompletionResultType]::ParameterName, 'Close a connection whose client takes none of its answer for this long (it sends a request and does not read the response)')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Connections open at once; further ones wait (in the listen queue) until one closes')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Threads serving requests, each with the connections it accepted [default: one per core; on PostgreSQL two per core, as a read blocks its worker for a round trip]')
            [CompletionResult]::new('--pool-size', '--pool-size', [CompletionResultType]::ParameterName, 'On PostgreSQL: database connections open at most. A request holds one from its first read to its end; past this many, reads wait for one to be free (at most 10 s, then the request fails). Ignored on SQLite')
            [CompletionResult]::new('--read-url', '--read-url', [CompletionResultType]::ParameterName, 'On PostgreSQL: read from this database instead of --db, a hot standby of it (streaming replication). Every request reads one snapshot of the standby, so answers lag the primary by the replication delay. --db stays the primary: it must be reachable at start, and the `db` commands (and any write) go there')
            [CompletionResult]::new('--decision-log', '--decision-log', [CompletionResultType]::ParameterName, 'Write one JSON line per `POST /graphql` to this file (`-`: stderr): time, subject, roles, operation name, document hash, rows and fields withheld with the policies behind them, limit refusals, latency. Never a token or secret. `quidditch authz log` summarizes it')
            [CompletionResult]::new('--decision-log-max', '--decision-log-max', [CompletionResultType]::ParameterName, 'Rotate the decision log when it reaches this size (`100MB`, `64KB`, bytes): PATH becomes PATH.1, PATH.1 becomes PATH.2, …')
            [CompletionResult]::new('--decision-log-keep', '--decision-log-keep', [CompletionResultType]::ParameterName, 'Rotated decision logs kept (PATH.1 … PATH.N); older ones are deleted')
            [CompletionResult]::new('--decision-log-flush', '--decision-log-flush', [CompletionResultType]::ParameterName, 'Write the decision log''s buffered lines this often (`100ms`, `1s`), and at shutdown; a process killed outright loses at most this much of it. `0`: each line at once (one write per request, slower)')
            [CompletionResult]::new('--admin-secret', '--admin-secret', [CompletionResultType]::ParameterName, 'The admin secret: `X-Quidditch-Admin-Secret` with it acts as admin, and may impersonate with `X-Quidditch-User: REF`')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;schema' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('print', 'print', [CompletionResultType]::ParameterValue, 'Print the SDL of the schema `serve` and `query` execute (the committed `schema.graphql`)')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Ask a server for its schema by introspection and print it as SDL')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'quidditch;schema;print' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;schema;pull' {
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'The server''s GraphQL endpoint')
            [CompletionResult]::new('--admin-secret', '--admin-secret', [CompletionResultType]::ParameterName, 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How results are printed on stdout')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (-v: info, -vv: debug)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'quidditch;schema;help' {
            [CompletionResult]::new('print', 'print', [CompletionResultType]::ParameterValue, 'Print the SDL of the schema `serve` and `query` execute (the committed `schema.graphql`)')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Ask a server for its schema by introspection and print it as SDL')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'quidditch;schema;help;print' {
            break
        }
        'quidditch;schema;help;pull' {
            break
        }
        'quidditch;schema;help;help' {
            break
        }
        'quidditch;completions' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a PostgreSQL URL')
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
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Run the tutorial''s GraphQL queries, in-process or against a server')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve the GraphQL API over HTTP')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print the GraphQL schema, or pull a server''s')
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
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show why a request is allowed or denied (without --resource: what a user may access; with --query: what a GraphQL operation returns to them)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Print `allow` or `deny` and the deciding policies (exit 0 allow, 2 deny, 1 error)')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Run the `[[test]]` cases of the policy file (or of --file); exit 3 when any fails')
            [CompletionResult]::new('who-can', 'who-can', [CompletionResultType]::ParameterValue, 'List every subject (anonymous, each player, each staff member) allowed an action on a resource, each with the policies that allow it')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Every decision that differs between two policy files on the database: per subject, the resources (and fields) gained and lost, with the deciding policies on each side')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Find unknown names, type mismatches and policies that can never apply; exit 1 if any')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Mint an access token (HS256 JWT) for a user, with the scopes the policies grant them')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Print the shipped policies.toml (built into the binary), to start a policy file from')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Summarize a decision log (`serve --decision-log`): requests and denials by subject, withheld rows and fields by policy, withheld fields, refusals and limit rejections')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export the policies and the database to OpenFGA or SpiceDB: a model whose permissions (one per action, on objects named as here: `game:8`, `player:1`, `forum:Seeker`) decide as `authz check` does, and the relationship tuples the rows imply, streamed')
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
        'quidditch;help;authz;who-can' {
            break
        }
        'quidditch;help;authz;diff' {
            break
        }
        'quidditch;help;authz;lint' {
            break
        }
        'quidditch;help;authz;token' {
            break
        }
        'quidditch;help;authz;init' {
            break
        }
        'quidditch;help;authz;log' {
            break
        }
        'quidditch;help;authz;export' {
            break
        }
        'quidditch;help;query' {
            [CompletionResult]::new('get-game', 'get-game', [CompletionResultType]::ParameterValue, 'A game, its teams, and the game its winner advances to (`getGame`)')
            [CompletionResult]::new('get-player', 'get-player', [CompletionResultType]::ParameterValue, 'A player by exact name, with position and team (`getPlayer`)')
            [CompletionResult]::new('team-games', 'team-games', [CompletionResultType]::ParameterValue, 'Every game a team won or lost (`getTeamGames`)')
            [CompletionResult]::new('position', 'position', [CompletionResultType]::ParameterValue, 'Every player of a position (`getPosition`)')
            [CompletionResult]::new('players', 'players', [CompletionResultType]::ParameterValue, 'A page of players with their team (`allPlayers`)')
            [CompletionResult]::new('teams', 'teams', [CompletionResultType]::ParameterValue, 'A page of teams (`allTeams`)')
            [CompletionResult]::new('games', 'games', [CompletionResultType]::ParameterValue, 'A page of games (`allGames`)')
            [CompletionResult]::new('node', 'node', [CompletionResultType]::ParameterValue, 'Any object by its relay global id (`node`)')
            [CompletionResult]::new('raw', 'raw', [CompletionResultType]::ParameterValue, 'Any GraphQL document; prints the JSON response')
            break
        }
        'quidditch;help;query;get-game' {
            break
        }
        'quidditch;help;query;get-player' {
            break
        }
        'quidditch;help;query;team-games' {
            break
        }
        'quidditch;help;query;position' {
            break
        }
        'quidditch;help;query;players' {
            break
        }
        'quidditch;help;query;teams' {
            break
        }
        'quidditch;help;query;games' {
            break
        }
        'quidditch;help;query;node' {
            break
        }
        'quidditch;help;query;raw' {
            break
        }
        'quidditch;help;serve' {
            break
        }
        'quidditch;help;schema' {
            [CompletionResult]::new('print', 'print', [CompletionResultType]::ParameterValue, 'Print the SDL of the schema `serve` and `query` execute (the committed `schema.graphql`)')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Ask a server for its schema by introspection and print it as SDL')
            break
        }
        'quidditch;help;schema;print' {
            break
        }
        'quidditch;help;schema;pull' {
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
