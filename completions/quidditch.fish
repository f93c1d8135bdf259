# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_quidditch_global_optspecs
    string join \n db= format= v/verbose h/help V/version
end

function __fish_quidditch_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_quidditch_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_quidditch_using_subcommand
    set -l cmd (__fish_quidditch_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c quidditch -n "__fish_quidditch_needs_command" -l db -d 'The SQLite database file' -r -F
complete -c quidditch -n "__fish_quidditch_needs_command" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document (snake_case keys, stable) for scripts'"
complete -c quidditch -n "__fish_quidditch_needs_command" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_needs_command" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_needs_command" -f -a "db" -d 'Create, migrate, seed, inspect and reset the league database'
complete -c quidditch -n "__fish_quidditch_needs_command" -f -a "authz" -d 'Explain, check, test and lint authorization decisions (policies.toml)'
complete -c quidditch -n "__fish_quidditch_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c quidditch -n "__fish_quidditch_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -l db -d 'The SQLite database file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document (snake_case keys, stable) for scripts'"
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -f -a "init" -d 'Create the database file, or migrate an older one (also one made by the tutorial\'s server)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -f -a "seed" -d 'Load seeder.toml (or a synthetic league) into the database, creating it if needed'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -f -a "status" -d 'Show the path, schema version and row counts per table'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -f -a "reset" -d 'Delete every row of every table (the schema stays)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from init" -l db -d 'The SQLite database file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from init" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document (snake_case keys, stable) for scripts'"
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from init" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from init" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -l file -d 'The seed file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -l scale -d 'Generate a deterministic synthetic league of N players instead of reading a file (replaces every row)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -l rng-seed -d 'Seed of the synthetic league\'s random choices; the same N and seed give the same rows' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -l db -d 'The SQLite database file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document (snake_case keys, stable) for scripts'"
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -l replace -d 'Delete every row first, so the database holds exactly the seed'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from status" -l db -d 'The SQLite database file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from status" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document (snake_case keys, stable) for scripts'"
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from reset" -l db -d 'The SQLite database file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from reset" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document (snake_case keys, stable) for scripts'"
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from reset" -l yes -d 'Confirm that every row is to be deleted'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from reset" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from reset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from reset" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "init" -d 'Create the database file, or migrate an older one (also one made by the tutorial\'s server)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "seed" -d 'Load seeder.toml (or a synthetic league) into the database, creating it if needed'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show the path, schema version and row counts per table'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "reset" -d 'Delete every row of every table (the schema stays)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test lint token help" -l db -d 'The SQLite database file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test lint token help" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document (snake_case keys, stable) for scripts'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test lint token help" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test lint token help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test lint token help" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test lint token help" -f -a "explain" -d 'Show why a request is allowed or denied (or, without --resource, what a user may access)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test lint token help" -f -a "check" -d 'Print `allow` or `deny` and the deciding policies (exit 0 allow, 2 deny, 1 error)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test lint token help" -f -a "test" -d 'Run the `[[test]]` cases of the policy file (or of --file); exit 3 when any fails'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test lint token help" -f -a "lint" -d 'Find unknown names, type mismatches and policies that can never apply; exit 1 if any'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test lint token help" -f -a "token" -d 'Mint an access token (HS256 JWT) for a user, with the scopes the policies grant them'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test lint token help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l policies -d 'The policy file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l user -d '`"Harry Potter"`, `player:1`, `staff:2` or `anonymous`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l action -d 'The action, such as `read` or `join`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l resource -d '`TYPE:ID`, such as `game:8` or `forum:Seeker`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l field -d 'Ask about one field (column) of the resource' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l db -d 'The SQLite database file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document (snake_case keys, stable) for scripts'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l policies -d 'The policy file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l user -d '`"Harry Potter"`, `player:1`, `staff:2` or `anonymous`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l action -d 'The action, such as `read` or `join`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l resource -d '`TYPE:ID`, such as `game:8`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l field -d 'Ask about one field of the resource' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l db -d 'The SQLite database file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document (snake_case keys, stable) for scripts'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l batch -d 'Read JSON-lines requests (`{"user", "action", "resource", "field"?}`) on stdin and write one JSON line per request; exit 1 if any line could not be decided'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from test" -l policies -d 'The policy file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from test" -l file -d 'A file of `[[test]]` cases (default: the cases in the policy file)' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from test" -l db -d 'The SQLite database file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from test" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document (snake_case keys, stable) for scripts'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from test" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from test" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from lint" -l policies -d 'The policy file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from lint" -l file -d 'The policy file to lint (default: --policies)' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from lint" -l db -d 'The SQLite database file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from lint" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document (snake_case keys, stable) for scripts'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from lint" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from lint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from lint" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -l policies -d 'The policy file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -l user -d '`"Harry Potter"`, `player:1` or `staff:2`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -l ttl -d 'How long the token is valid: `90s`, `15m`, `1h`, `7d`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -l secret -d 'The HS256 signing secret' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -l issuer -d 'The `iss` claim' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -l audience -d 'The `aud` claim' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -l db -d 'The SQLite database file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document (snake_case keys, stable) for scripts'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from help" -f -a "explain" -d 'Show why a request is allowed or denied (or, without --resource, what a user may access)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from help" -f -a "check" -d 'Print `allow` or `deny` and the deciding policies (exit 0 allow, 2 deny, 1 error)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from help" -f -a "test" -d 'Run the `[[test]]` cases of the policy file (or of --file); exit 3 when any fails'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from help" -f -a "lint" -d 'Find unknown names, type mismatches and policies that can never apply; exit 1 if any'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from help" -f -a "token" -d 'Mint an access token (HS256 JWT) for a user, with the scopes the policies grant them'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quidditch -n "__fish_quidditch_using_subcommand completions" -l db -d 'The SQLite database file' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand completions" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document (snake_case keys, stable) for scripts'"
complete -c quidditch -n "__fish_quidditch_using_subcommand completions" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand completions" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and not __fish_seen_subcommand_from db authz completions help" -f -a "db" -d 'Create, migrate, seed, inspect and reset the league database'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and not __fish_seen_subcommand_from db authz completions help" -f -a "authz" -d 'Explain, check, test and lint authorization decisions (policies.toml)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and not __fish_seen_subcommand_from db authz completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and not __fish_seen_subcommand_from db authz completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "init" -d 'Create the database file, or migrate an older one (also one made by the tutorial\'s server)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "seed" -d 'Load seeder.toml (or a synthetic league) into the database, creating it if needed'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "status" -d 'Show the path, schema version and row counts per table'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "reset" -d 'Delete every row of every table (the schema stays)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from authz" -f -a "explain" -d 'Show why a request is allowed or denied (or, without --resource, what a user may access)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from authz" -f -a "check" -d 'Print `allow` or `deny` and the deciding policies (exit 0 allow, 2 deny, 1 error)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from authz" -f -a "test" -d 'Run the `[[test]]` cases of the policy file (or of --file); exit 3 when any fails'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from authz" -f -a "lint" -d 'Find unknown names, type mismatches and policies that can never apply; exit 1 if any'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from authz" -f -a "token" -d 'Mint an access token (HS256 JWT) for a user, with the scopes the policies grant them'
