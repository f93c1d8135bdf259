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

complete -c quidditch -n "__fish_quidditch_needs_command" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_needs_command" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_needs_command" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_needs_command" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_needs_command" -f -a "db" -d 'Create, migrate, seed, inspect and reset the league database'
complete -c quidditch -n "__fish_quidditch_needs_command" -f -a "authz" -d 'Explain, check, test and lint authorization decisions (policies.toml)'
complete -c quidditch -n "__fish_quidditch_needs_command" -f -a "query" -d 'Run the tutorial\'s GraphQL queries, in-process or against a server'
complete -c quidditch -n "__fish_quidditch_needs_command" -f -a "serve" -d 'Serve the GraphQL API over HTTP'
complete -c quidditch -n "__fish_quidditch_needs_command" -f -a "schema" -d 'Print the GraphQL schema, or pull a server\'s'
complete -c quidditch -n "__fish_quidditch_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c quidditch -n "__fish_quidditch_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -f -a "init" -d 'Create the database file, or migrate an older one (also one made by the tutorial\'s server)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -f -a "seed" -d 'Load seeder.toml (or a synthetic league) into the database, creating it if needed'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -f -a "status" -d 'Show the path, schema version and row counts per table'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -f -a "reset" -d 'Delete every row of every table (the schema stays)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and not __fish_seen_subcommand_from init seed status reset help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from init" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from init" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from init" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from init" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -l file -d 'The seed file [default: ./seeder.toml, else the built-in copy of the tutorial\'s data]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -l scale -d 'Generate a deterministic synthetic league of N players instead of reading a file (replaces every row: a database that has rows needs --replace)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -l rng-seed -d 'Seed of the synthetic league\'s random choices; the same N and seed give the same rows' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -l print-default -d 'Print the built-in seeder.toml (the tutorial\'s data) instead of seeding'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -l replace -d 'Delete every row first, so the database holds exactly the seed (an empty file is refused: `db reset --yes` empties the database)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from seed" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from status" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from status" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from reset" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from reset" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from reset" -l yes -d 'Confirm that every row is to be deleted'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from reset" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from reset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from reset" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "init" -d 'Create the database file, or migrate an older one (also one made by the tutorial\'s server)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "seed" -d 'Load seeder.toml (or a synthetic league) into the database, creating it if needed'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show the path, schema version and row counts per table'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "reset" -d 'Delete every row of every table (the schema stays)'
complete -c quidditch -n "__fish_quidditch_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test who-can diff lint token init log export help" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test who-can diff lint token init log export help" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test who-can diff lint token init log export help" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test who-can diff lint token init log export help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test who-can diff lint token init log export help" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test who-can diff lint token init log export help" -f -a "explain" -d 'Show why a request is allowed or denied (without --resource: what a user may access; with --query: what a GraphQL operation returns to them)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test who-can diff lint token init log export help" -f -a "check" -d 'Print `allow` or `deny` and the deciding policies (exit 0 allow, 2 deny, 1 error)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test who-can diff lint token init log export help" -f -a "test" -d 'Run the `[[test]]` cases of the policy file (or of --file); exit 3 when any fails'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test who-can diff lint token init log export help" -f -a "who-can" -d 'List every subject (anonymous, each player, each staff member) allowed an action on a resource, each with the policies that allow it'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test who-can diff lint token init log export help" -f -a "diff" -d 'Every decision that differs between two policy files on the database: per subject, the resources (and fields) gained and lost, with the deciding policies on each side'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test who-can diff lint token init log export help" -f -a "lint" -d 'Find unknown names, type mismatches and policies that can never apply; exit 1 if any'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test who-can diff lint token init log export help" -f -a "token" -d 'Mint an access token (HS256 JWT) for a user, with the scopes the policies grant them'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test who-can diff lint token init log export help" -f -a "init" -d 'Print the shipped policies.toml (built into the binary), to start a policy file from'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test who-can diff lint token init log export help" -f -a "log" -d 'Summarize a decision log (`serve --decision-log`): requests and denials by subject, withheld rows and fields by policy, withheld fields, refusals and limit rejections'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test who-can diff lint token init log export help" -f -a "export" -d 'Export the policies and the database to OpenFGA or SpiceDB: a model whose permissions (one per action, on objects named as here: `game:8`, `player:1`, `forum:Seeker`) decide as `authz check` does, and the relationship tuples the rows imply, streamed'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and not __fish_seen_subcommand_from explain check test who-can diff lint token init log export help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l user -d '`"Harry Potter"`, `player:1`, `staff:2` or `anonymous`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l action -d 'The action, such as `read` or `join`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l resource -d '`TYPE:ID`, such as `game:8` or `forum:Seeker`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l field -d 'Ask about one field (column) of the resource' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l query -d 'Explain a whole GraphQL operation read from FILE (`-`: stdin), without running it' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l operation -d 'The operation of the --query document to explain (needed when it holds several)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l vars -d 'The operation\'s variables, a JSON object (they count in `first`/`last` complexity)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l assume -d 'Decide as if a change were made, without writing it (repeatable): `player:1.team_id=4` sets a column, `game:10 {level="Final", winner_id=1, loser_id=2}` adds a row, `-game:6` removes one. Values are TOML literals or `null`. The database is opened read-only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l context -d 'Decide with this request context (repeatable), each name declared under `[context]`: `now=2026-01-01T00:00:00Z`, `ip=10.0.0.1`, `scopes=games:read,chat`, `claims.org_id=7`. A condition needing a value not given fails closed (an allow does not apply, a deny does)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -l json-schema -d 'Print the JSON Schema of `--format json`\'s output (a decision, a profile or a query report) and exit'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from explain" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l user -d '`"Harry Potter"`, `player:1`, `staff:2` or `anonymous`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l action -d 'The action, such as `read` or `join`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l resource -d '`TYPE:ID`, such as `game:8`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l field -d 'Ask about one field of the resource' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l assume -d 'Decide as if a change were made, without writing it (repeatable): `player:1.team_id=4` sets a column, `game:10 {level="Final", winner_id=1, loser_id=2}` adds a row, `-game:6` removes one. Values are TOML literals or `null`. The database is opened read-only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l context -d 'Decide with this request context (repeatable), each name declared under `[context]`: `now=2026-01-01T00:00:00Z`, `ip=10.0.0.1`, `scopes=games:read,chat`, `claims.org_id=7`. A condition needing a value not given fails closed (an allow does not apply, a deny does)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -l batch -d 'Read JSON-lines requests (`{"user", "action", "resource", "field"?}`) on stdin and write one JSON line per request; exit 1 if any line could not be decided'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from test" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from test" -l file -d 'A file of `[[test]]` cases (default: the cases in the policy file)' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from test" -l context -d 'Decide with this request context (repeatable), each name declared under `[context]`: `now=2026-01-01T00:00:00Z`, `ip=10.0.0.1`, `scopes=games:read,chat`, `claims.org_id=7`. A condition needing a value not given fails closed (an allow does not apply, a deny does)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from test" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from test" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from test" -l coverage -d 'After the tests, say which policies and condition branches (`_or` arms, relationship traversals) the cases made both true and false, and list the others with their `policies.toml:LINE:COL`'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from test" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from test" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from who-can" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from who-can" -l action -d 'The action, such as `read` or `join`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from who-can" -l resource -d '`TYPE:ID`, such as `game:8` or `forum:Seeker`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from who-can" -l field -d 'Ask about one field of the resource' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from who-can" -l assume -d 'Decide as if a change were made, without writing it (repeatable): `player:1.team_id=4` sets a column, `game:10 {level="Final", winner_id=1, loser_id=2}` adds a row, `-game:6` removes one. Values are TOML literals or `null`. The database is opened read-only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from who-can" -l context -d 'Decide with this request context (repeatable), each name declared under `[context]`: `now=2026-01-01T00:00:00Z`, `ip=10.0.0.1`, `scopes=games:read,chat`, `claims.org_id=7`. A condition needing a value not given fails closed (an allow does not apply, a deny does)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from who-can" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from who-can" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from who-can" -l explain -d 'Say, per subject and policy, which condition path allowed it'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from who-can" -l count -d 'Print only how many subjects are allowed'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from who-can" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from who-can" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from who-can" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from diff" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from diff" -l user -d 'Compare the decisions of one subject only: `"Harry Potter"`, `player:1`, `staff:2` or `anonymous`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from diff" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from diff" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from diff" -l exit-code -d 'Exit 2 when any decision differs, 0 when none does (as `git diff --exit-code`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from diff" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from diff" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from lint" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from lint" -l file -d 'The policy file to lint (default: --policies)' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from lint" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from lint" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from lint" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from lint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from lint" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -l user -d '`"Harry Potter"`, `player:1` or `staff:2`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -l ttl -d 'How long the token is valid: `90s`, `15m`, `1h`, `7d`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -l secret -d 'The HS256 signing secret' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -l issuer -d 'The `iss` claim' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -l audience -d 'The `aud` claim' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from token" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from init" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from init" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from init" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from init" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from log" -l user -d 'Only the requests of this subject: `player:1`, or the name, `Harry Potter`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from log" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from log" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from log" -l denied -d 'Only requests that had something withheld or were refused'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from log" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from log" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from log" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from export" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from export" -l to -d 'The engine whose files to write' -r -f -a "openfga\t'OpenFGA: model.fga, model.json, tuples.yaml, tests.fga.yaml'
spicedb\t'SpiceDB: schema.zed, validation.yaml'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from export" -l out -d 'The directory to write the files into (created if needed)' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from export" -l changes-since -d 'Also write the relationship changes from the export in DIR (an earlier `--out` of the same engine) to this one: `changes.txt` (SpiceDB: `TOUCH`/`DELETE` lines) or `changes.yaml` (OpenFGA: `deletes`, then `writes`). Both exports\' relationships are sorted on disk and compared in order, in bounded memory' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from export" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from export" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from export" -l partial -d 'Export what can be translated and list the rest in the files\' headers, instead of refusing'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from export" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from export" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from help" -f -a "explain" -d 'Show why a request is allowed or denied (without --resource: what a user may access; with --query: what a GraphQL operation returns to them)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from help" -f -a "check" -d 'Print `allow` or `deny` and the deciding policies (exit 0 allow, 2 deny, 1 error)'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from help" -f -a "test" -d 'Run the `[[test]]` cases of the policy file (or of --file); exit 3 when any fails'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from help" -f -a "who-can" -d 'List every subject (anonymous, each player, each staff member) allowed an action on a resource, each with the policies that allow it'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from help" -f -a "diff" -d 'Every decision that differs between two policy files on the database: per subject, the resources (and fields) gained and lost, with the deciding policies on each side'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from help" -f -a "lint" -d 'Find unknown names, type mismatches and policies that can never apply; exit 1 if any'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from help" -f -a "token" -d 'Mint an access token (HS256 JWT) for a user, with the scopes the policies grant them'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from help" -f -a "init" -d 'Print the shipped policies.toml (built into the binary), to start a policy file from'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from help" -f -a "log" -d 'Summarize a decision log (`serve --decision-log`): requests and denials by subject, withheld rows and fields by policy, withheld fields, refusals and limit rejections'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from help" -f -a "export" -d 'Export the policies and the database to OpenFGA or SpiceDB: a model whose permissions (one per action, on objects named as here: `game:8`, `player:1`, `forum:Seeker`) decide as `authz check` does, and the relationship tuples the rows imply, streamed'
complete -c quidditch -n "__fish_quidditch_using_subcommand authz; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -l endpoint -d 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -l as -d 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -l token -d 'Send this access token (`quidditch authz token` mints one); HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -l admin-secret -d 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server\'s `--admin-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -l jwt-secret -d 'Mint a token for `--as` with this HS256 secret (the server\'s `--jwt-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -l jwt-issuer -d 'The `iss` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -l jwt-audience -d 'The `aud` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -f -a "get-game" -d 'A game, its teams, and the game its winner advances to (`getGame`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -f -a "get-player" -d 'A player by exact name, with position and team (`getPlayer`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -f -a "team-games" -d 'Every game a team won or lost (`getTeamGames`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -f -a "position" -d 'Every player of a position (`getPosition`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -f -a "players" -d 'A page of players with their team (`allPlayers`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -f -a "teams" -d 'A page of teams (`allTeams`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -f -a "games" -d 'A page of games (`allGames`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -f -a "node" -d 'Any object by its relay global id (`node`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -f -a "raw" -d 'Any GraphQL document; prints the JSON response'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and not __fish_seen_subcommand_from get-game get-player team-games position players teams games node raw help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-game" -l endpoint -d 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-game" -l as -d 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-game" -l token -d 'Send this access token (`quidditch authz token` mints one); HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-game" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-game" -l admin-secret -d 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server\'s `--admin-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-game" -l jwt-secret -d 'Mint a token for `--as` with this HS256 secret (the server\'s `--jwt-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-game" -l jwt-issuer -d 'The `iss` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-game" -l jwt-audience -d 'The `aud` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-game" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-game" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-game" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-game" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-game" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-player" -l endpoint -d 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-player" -l as -d 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-player" -l token -d 'Send this access token (`quidditch authz token` mints one); HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-player" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-player" -l admin-secret -d 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server\'s `--admin-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-player" -l jwt-secret -d 'Mint a token for `--as` with this HS256 secret (the server\'s `--jwt-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-player" -l jwt-issuer -d 'The `iss` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-player" -l jwt-audience -d 'The `aud` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-player" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-player" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-player" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-player" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from get-player" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from team-games" -l endpoint -d 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from team-games" -l as -d 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from team-games" -l token -d 'Send this access token (`quidditch authz token` mints one); HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from team-games" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from team-games" -l admin-secret -d 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server\'s `--admin-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from team-games" -l jwt-secret -d 'Mint a token for `--as` with this HS256 secret (the server\'s `--jwt-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from team-games" -l jwt-issuer -d 'The `iss` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from team-games" -l jwt-audience -d 'The `aud` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from team-games" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from team-games" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from team-games" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from team-games" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from team-games" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from position" -l endpoint -d 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from position" -l as -d 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from position" -l token -d 'Send this access token (`quidditch authz token` mints one); HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from position" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from position" -l admin-secret -d 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server\'s `--admin-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from position" -l jwt-secret -d 'Mint a token for `--as` with this HS256 secret (the server\'s `--jwt-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from position" -l jwt-issuer -d 'The `iss` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from position" -l jwt-audience -d 'The `aud` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from position" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from position" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from position" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from position" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from position" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from players" -l first -d 'At most this many rows' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from players" -l after -d 'Start after this cursor (an `endCursor` of an earlier page)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from players" -l endpoint -d 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from players" -l as -d 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from players" -l token -d 'Send this access token (`quidditch authz token` mints one); HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from players" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from players" -l admin-secret -d 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server\'s `--admin-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from players" -l jwt-secret -d 'Mint a token for `--as` with this HS256 secret (the server\'s `--jwt-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from players" -l jwt-issuer -d 'The `iss` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from players" -l jwt-audience -d 'The `aud` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from players" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from players" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from players" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from players" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from players" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from teams" -l first -d 'At most this many rows' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from teams" -l after -d 'Start after this cursor (an `endCursor` of an earlier page)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from teams" -l endpoint -d 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from teams" -l as -d 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from teams" -l token -d 'Send this access token (`quidditch authz token` mints one); HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from teams" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from teams" -l admin-secret -d 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server\'s `--admin-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from teams" -l jwt-secret -d 'Mint a token for `--as` with this HS256 secret (the server\'s `--jwt-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from teams" -l jwt-issuer -d 'The `iss` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from teams" -l jwt-audience -d 'The `aud` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from teams" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from teams" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from teams" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from teams" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from teams" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from games" -l first -d 'At most this many rows' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from games" -l after -d 'Start after this cursor (an `endCursor` of an earlier page)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from games" -l endpoint -d 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from games" -l as -d 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from games" -l token -d 'Send this access token (`quidditch authz token` mints one); HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from games" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from games" -l admin-secret -d 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server\'s `--admin-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from games" -l jwt-secret -d 'Mint a token for `--as` with this HS256 secret (the server\'s `--jwt-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from games" -l jwt-issuer -d 'The `iss` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from games" -l jwt-audience -d 'The `aud` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from games" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from games" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from games" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from games" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from games" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from node" -l endpoint -d 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from node" -l as -d 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from node" -l token -d 'Send this access token (`quidditch authz token` mints one); HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from node" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from node" -l admin-secret -d 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server\'s `--admin-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from node" -l jwt-secret -d 'Mint a token for `--as` with this HS256 secret (the server\'s `--jwt-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from node" -l jwt-issuer -d 'The `iss` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from node" -l jwt-audience -d 'The `aud` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from node" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from node" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from node" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from node" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from node" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from raw" -l var -d 'A variable, `key=value`; the value is read as JSON when it parses, else as a string' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from raw" -l vars -d 'All variables as one JSON object (`--var` entries are added to it)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from raw" -l operation-name -d 'The operation to run when the document holds several' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from raw" -l endpoint -d 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from raw" -l as -d 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from raw" -l token -d 'Send this access token (`quidditch authz token` mints one); HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from raw" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from raw" -l admin-secret -d 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server\'s `--admin-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from raw" -l jwt-secret -d 'Mint a token for `--as` with this HS256 secret (the server\'s `--jwt-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from raw" -l jwt-issuer -d 'The `iss` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from raw" -l jwt-audience -d 'The `aud` claim of a minted token' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from raw" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from raw" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from raw" -l sql-stats -d 'Print the number of SQL statements the request ran on stderr (in-process only)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from raw" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from raw" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from raw" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from help" -f -a "get-game" -d 'A game, its teams, and the game its winner advances to (`getGame`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from help" -f -a "get-player" -d 'A player by exact name, with position and team (`getPlayer`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from help" -f -a "team-games" -d 'Every game a team won or lost (`getTeamGames`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from help" -f -a "position" -d 'Every player of a position (`getPosition`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from help" -f -a "players" -d 'A page of players with their team (`allPlayers`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from help" -f -a "teams" -d 'A page of teams (`allTeams`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from help" -f -a "games" -d 'A page of games (`allGames`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from help" -f -a "node" -d 'Any object by its relay global id (`node`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from help" -f -a "raw" -d 'Any GraphQL document; prints the JSON response'
complete -c quidditch -n "__fish_quidditch_using_subcommand query; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l bind -d 'The address to listen on (port 0: any free port)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l policies -d 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l jwt-secret -d 'Accept HS256 tokens signed with this secret (`quidditch authz token` mints them)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l jwt-public-key -d 'Accept RS256 tokens verified with this PEM public key (tokens issued elsewhere) instead' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l jwks-url -d 'Accept tokens signed by an identity provider: RS256, ES256 and EdDSA keys from the JWKS at this URL, chosen by the token\'s `kid`. Read at start (unreachable: the server does not start), again every --jwks-refresh and when a token names an unknown `kid` (at most every 10 s); a later failure keeps the last good keys and logs a warning. `[identity]` in policies.toml maps the token\'s subject to a player or staff member' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l jwks-file -d 'Like --jwks-url, from a JWKS file (offline use): read at start and again like the URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l jwks-refresh -d 'How often the JWKS is read again, whatever tokens arrive' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l jwt-issuer -d 'Require this `iss` claim in tokens (over `[identity] issuer`)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l jwt-audience -d 'Require this `aud` claim in tokens (over `[identity] audience`)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l jwt-leeway -d 'Clock skew tolerated on tokens: accepted this long past `exp`, and this long before their `nbf` or `iat` (a token not yet valid, or issued in the future, is refused). Over `[identity] clock_skew`; without either, none' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l request-timeout -d 'Cancel a query still running after this long, answering 504 with a `REQUEST_TIMEOUT` error. On PostgreSQL also the `statement_timeout` of the server\'s connections, so a read waiting for a lock ends then too. Durations: `500ms`, `10s`, `2m`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l header-timeout -d 'Close a connection whose request head (or first request) has not fully arrived after this long' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l body-timeout -d 'Answer 408 and close the connection when a request body has not fully arrived this long after its head' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l idle-timeout -d 'Close a keep-alive connection that sends no new request for this long' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l write-timeout -d 'Close a connection whose client takes none of its answer for this long (it sends a request and does not read the response)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l max-connections -d 'Connections open at once; further ones wait (in the listen queue) until one closes' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l workers -d 'Threads serving requests, each with the connections it accepted [default: one per core; on PostgreSQL two per core, as a read blocks its worker for a round trip]' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l pool-size -d 'On PostgreSQL: database connections open at most. A request holds one from its first read to its end; past this many, reads wait for one to be free (at most 10 s, then the request fails). Ignored on SQLite' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l read-url -d 'On PostgreSQL: read from this database instead of --db, a hot standby of it (streaming replication). Every request reads one snapshot of the standby, so answers lag the primary by the replication delay. --db stays the primary: it must be reachable at start, and the `db` commands (and any write) go there' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l decision-log -d 'Write one JSON line per `POST /graphql` to this file (`-`: stderr): time, subject, roles, operation name, document hash, rows and fields withheld with the policies behind them, limit refusals, latency. Never a token or secret. `quidditch authz log` summarizes it' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l decision-log-max -d 'Rotate the decision log when it reaches this size (`100MB`, `64KB`, bytes): PATH becomes PATH.1, PATH.1 becomes PATH.2, …' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l decision-log-keep -d 'Rotated decision logs kept (PATH.1 … PATH.N); older ones are deleted' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l decision-log-flush -d 'Write the decision log\'s buffered lines this often (`100ms`, `1s`), and at shutdown; a process killed outright loses at most this much of it. `0`: each line at once (one write per request, slower)' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l admin-secret -d 'The admin secret: `X-Quidditch-Admin-Secret` with it acts as admin, and may impersonate with `X-Quidditch-User: REF`' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand serve" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and not __fish_seen_subcommand_from print pull help" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and not __fish_seen_subcommand_from print pull help" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and not __fish_seen_subcommand_from print pull help" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and not __fish_seen_subcommand_from print pull help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and not __fish_seen_subcommand_from print pull help" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and not __fish_seen_subcommand_from print pull help" -f -a "print" -d 'Print the SDL of the schema `serve` and `query` execute (the committed `schema.graphql`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and not __fish_seen_subcommand_from print pull help" -f -a "pull" -d 'Ask a server for its schema by introspection and print it as SDL'
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and not __fish_seen_subcommand_from print pull help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and __fish_seen_subcommand_from print" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and __fish_seen_subcommand_from print" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and __fish_seen_subcommand_from print" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and __fish_seen_subcommand_from print" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and __fish_seen_subcommand_from print" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and __fish_seen_subcommand_from pull" -l endpoint -d 'The server\'s GraphQL endpoint' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and __fish_seen_subcommand_from pull" -l admin-secret -d 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server\'s `--admin-secret`). HTTP only' -r
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and __fish_seen_subcommand_from pull" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and __fish_seen_subcommand_from pull" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and __fish_seen_subcommand_from pull" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and __fish_seen_subcommand_from pull" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and __fish_seen_subcommand_from pull" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and __fish_seen_subcommand_from help" -f -a "print" -d 'Print the SDL of the schema `serve` and `query` execute (the committed `schema.graphql`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and __fish_seen_subcommand_from help" -f -a "pull" -d 'Ask a server for its schema by introspection and print it as SDL'
complete -c quidditch -n "__fish_quidditch_using_subcommand schema; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quidditch -n "__fish_quidditch_using_subcommand completions" -l db -d 'The database: a SQLite file, or a PostgreSQL URL' -r -F
complete -c quidditch -n "__fish_quidditch_using_subcommand completions" -l format -d 'How results are printed on stdout' -r -f -a "human\t'Tables and trees for people'
json\t'One JSON document for scripts, with stable keys: snake_case, except that `query` prints the GraphQL response\'s own (camelCase) keys'"
complete -c quidditch -n "__fish_quidditch_using_subcommand completions" -s v -l verbose -d 'More logging on stderr (-v: info, -vv: debug)'
complete -c quidditch -n "__fish_quidditch_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c quidditch -n "__fish_quidditch_using_subcommand completions" -s V -l version -d 'Print version'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and not __fish_seen_subcommand_from db authz query serve schema completions help" -f -a "db" -d 'Create, migrate, seed, inspect and reset the league database'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and not __fish_seen_subcommand_from db authz query serve schema completions help" -f -a "authz" -d 'Explain, check, test and lint authorization decisions (policies.toml)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and not __fish_seen_subcommand_from db authz query serve schema completions help" -f -a "query" -d 'Run the tutorial\'s GraphQL queries, in-process or against a server'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and not __fish_seen_subcommand_from db authz query serve schema completions help" -f -a "serve" -d 'Serve the GraphQL API over HTTP'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and not __fish_seen_subcommand_from db authz query serve schema completions help" -f -a "schema" -d 'Print the GraphQL schema, or pull a server\'s'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and not __fish_seen_subcommand_from db authz query serve schema completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and not __fish_seen_subcommand_from db authz query serve schema completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "init" -d 'Create the database file, or migrate an older one (also one made by the tutorial\'s server)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "seed" -d 'Load seeder.toml (or a synthetic league) into the database, creating it if needed'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "status" -d 'Show the path, schema version and row counts per table'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "reset" -d 'Delete every row of every table (the schema stays)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from authz" -f -a "explain" -d 'Show why a request is allowed or denied (without --resource: what a user may access; with --query: what a GraphQL operation returns to them)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from authz" -f -a "check" -d 'Print `allow` or `deny` and the deciding policies (exit 0 allow, 2 deny, 1 error)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from authz" -f -a "test" -d 'Run the `[[test]]` cases of the policy file (or of --file); exit 3 when any fails'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from authz" -f -a "who-can" -d 'List every subject (anonymous, each player, each staff member) allowed an action on a resource, each with the policies that allow it'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from authz" -f -a "diff" -d 'Every decision that differs between two policy files on the database: per subject, the resources (and fields) gained and lost, with the deciding policies on each side'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from authz" -f -a "lint" -d 'Find unknown names, type mismatches and policies that can never apply; exit 1 if any'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from authz" -f -a "token" -d 'Mint an access token (HS256 JWT) for a user, with the scopes the policies grant them'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from authz" -f -a "init" -d 'Print the shipped policies.toml (built into the binary), to start a policy file from'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from authz" -f -a "log" -d 'Summarize a decision log (`serve --decision-log`): requests and denials by subject, withheld rows and fields by policy, withheld fields, refusals and limit rejections'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from authz" -f -a "export" -d 'Export the policies and the database to OpenFGA or SpiceDB: a model whose permissions (one per action, on objects named as here: `game:8`, `player:1`, `forum:Seeker`) decide as `authz check` does, and the relationship tuples the rows imply, streamed'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from query" -f -a "get-game" -d 'A game, its teams, and the game its winner advances to (`getGame`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from query" -f -a "get-player" -d 'A player by exact name, with position and team (`getPlayer`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from query" -f -a "team-games" -d 'Every game a team won or lost (`getTeamGames`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from query" -f -a "position" -d 'Every player of a position (`getPosition`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from query" -f -a "players" -d 'A page of players with their team (`allPlayers`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from query" -f -a "teams" -d 'A page of teams (`allTeams`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from query" -f -a "games" -d 'A page of games (`allGames`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from query" -f -a "node" -d 'Any object by its relay global id (`node`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from query" -f -a "raw" -d 'Any GraphQL document; prints the JSON response'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from schema" -f -a "print" -d 'Print the SDL of the schema `serve` and `query` execute (the committed `schema.graphql`)'
complete -c quidditch -n "__fish_quidditch_using_subcommand help; and __fish_seen_subcommand_from schema" -f -a "pull" -d 'Ask a server for its schema by introspection and print it as SDL'
