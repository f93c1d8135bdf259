
use builtin;
use str;

set edit:completion:arg-completer[quidditch] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'quidditch'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'quidditch'= {
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand db 'Create, migrate, seed, inspect and reset the league database'
            cand authz 'Explain, check, test and lint authorization decisions (policies.toml)'
            cand query 'Run the tutorial''s GraphQL queries, in-process or against a server'
            cand serve 'Serve the GraphQL API over HTTP'
            cand schema 'Print the GraphQL schema, or pull a server''s'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'quidditch;db'= {
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create the database file, or migrate an older one (also one made by the tutorial''s server)'
            cand seed 'Load seeder.toml (or a synthetic league) into the database, creating it if needed'
            cand status 'Show the path, schema version and row counts per table'
            cand reset 'Delete every row of every table (the schema stays)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'quidditch;db;init'= {
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;db;seed'= {
            cand --file 'The seed file [default: ./seeder.toml, else the built-in copy of the tutorial''s data]'
            cand --scale 'Generate a deterministic synthetic league of N players instead of reading a file (replaces every row: a database that has rows needs --replace)'
            cand --rng-seed 'Seed of the synthetic league''s random choices; the same N and seed give the same rows'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand --print-default 'Print the built-in seeder.toml (the tutorial''s data) instead of seeding'
            cand --replace 'Delete every row first, so the database holds exactly the seed (an empty file is refused: `db reset --yes` empties the database)'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;db;status'= {
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;db;reset'= {
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand --yes 'Confirm that every row is to be deleted'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;db;help'= {
            cand init 'Create the database file, or migrate an older one (also one made by the tutorial''s server)'
            cand seed 'Load seeder.toml (or a synthetic league) into the database, creating it if needed'
            cand status 'Show the path, schema version and row counts per table'
            cand reset 'Delete every row of every table (the schema stays)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'quidditch;db;help;init'= {
        }
        &'quidditch;db;help;seed'= {
        }
        &'quidditch;db;help;status'= {
        }
        &'quidditch;db;help;reset'= {
        }
        &'quidditch;db;help;help'= {
        }
        &'quidditch;authz'= {
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand explain 'Show why a request is allowed or denied (without --resource: what a user may access; with --query: what a GraphQL operation returns to them)'
            cand check 'Print `allow` or `deny` and the deciding policies (exit 0 allow, 2 deny, 1 error)'
            cand test 'Run the `[[test]]` cases of the policy file (or of --file); exit 3 when any fails'
            cand who-can 'List every subject (anonymous, each player, each staff member) allowed an action on a resource, each with the policies that allow it'
            cand diff 'Every decision that differs between two policy files on the database: per subject, the resources (and fields) gained and lost, with the deciding policies on each side'
            cand lint 'Find unknown names, type mismatches and policies that can never apply; exit 1 if any'
            cand token 'Mint an access token (HS256 JWT) for a user, with the scopes the policies grant them'
            cand init 'Print the shipped policies.toml (built into the binary), to start a policy file from'
            cand log 'Summarize a decision log (`serve --decision-log`): requests and denials by subject, withheld rows and fields by policy, withheld fields, refusals and limit rejections'
            cand export 'Export the policies and the database to OpenFGA or SpiceDB: a model whose permissions (one per action, on objects named as here: `game:8`, `player:1`, `forum:Seeker`) decide as `authz check` does, and the relationship tuples the rows imply, streamed'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'quidditch;authz;explain'= {
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --user '`"Harry Potter"`, `player:1`, `staff:2` or `anonymous`'
            cand --action 'The action, such as `read` or `join`'
            cand --resource '`TYPE:ID`, such as `game:8` or `forum:Seeker`'
            cand --field 'Ask about one field (column) of the resource'
            cand --query 'Explain a whole GraphQL operation read from FILE (`-`: stdin), without running it'
            cand --operation 'The operation of the --query document to explain (needed when it holds several)'
            cand --vars 'The operation''s variables, a JSON object (they count in `first`/`last` complexity)'
            cand --assume 'Decide as if a change were made, without writing it (repeatable): `player:1.team_id=4` sets a column, `game:10 {level="Final", winner_id=1, loser_id=2}` adds a row, `-game:6` removes one. Values are TOML literals or `null`. The database is opened read-only'
            cand --context 'Decide with this request context (repeatable), each name declared under `[context]`: `now=2026-01-01T00:00:00Z`, `ip=10.0.0.1`, `scopes=games:read,chat`, `claims.org_id=7`. A condition needing a value not given fails closed (an allow does not apply, a deny does)'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand --json-schema 'Print the JSON Schema of `--format json`''s output (a decision, a profile or a query report) and exit'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;authz;check'= {
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --user '`"Harry Potter"`, `player:1`, `staff:2` or `anonymous`'
            cand --action 'The action, such as `read` or `join`'
            cand --resource '`TYPE:ID`, such as `game:8`'
            cand --field 'Ask about one field of the resource'
            cand --assume 'Decide as if a change were made, without writing it (repeatable): `player:1.team_id=4` sets a column, `game:10 {level="Final", winner_id=1, loser_id=2}` adds a row, `-game:6` removes one. Values are TOML literals or `null`. The database is opened read-only'
            cand --context 'Decide with this request context (repeatable), each name declared under `[context]`: `now=2026-01-01T00:00:00Z`, `ip=10.0.0.1`, `scopes=games:read,chat`, `claims.org_id=7`. A condition needing a value not given fails closed (an allow does not apply, a deny does)'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand --batch 'Read JSON-lines requests (`{"user", "action", "resource", "field"?}`) on stdin and write one JSON line per request; exit 1 if any line could not be decided'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;authz;test'= {
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --file 'A file of `[[test]]` cases (default: the cases in the policy file)'
            cand --context 'Decide with this request context (repeatable), each name declared under `[context]`: `now=2026-01-01T00:00:00Z`, `ip=10.0.0.1`, `scopes=games:read,chat`, `claims.org_id=7`. A condition needing a value not given fails closed (an allow does not apply, a deny does)'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand --coverage 'After the tests, say which policies and condition branches (`_or` arms, relationship traversals) the cases made both true and false, and list the others with their `policies.toml:LINE:COL`'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;authz;who-can'= {
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --action 'The action, such as `read` or `join`'
            cand --resource '`TYPE:ID`, such as `game:8` or `forum:Seeker`'
            cand --field 'Ask about one field of the resource'
            cand --assume 'Decide as if a change were made, without writing it (repeatable): `player:1.team_id=4` sets a column, `game:10 {level="Final", winner_id=1, loser_id=2}` adds a row, `-game:6` removes one. Values are TOML literals or `null`. The database is opened read-only'
            cand --context 'Decide with this request context (repeatable), each name declared under `[context]`: `now=2026-01-01T00:00:00Z`, `ip=10.0.0.1`, `scopes=games:read,chat`, `claims.org_id=7`. A condition needing a value not given fails closed (an allow does not apply, a deny does)'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand --explain 'Say, per subject and policy, which condition path allowed it'
            cand --count 'Print only how many subjects are allowed'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;authz;diff'= {
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --user 'Compare the decisions of one subject only: `"Harry Potter"`, `player:1`, `staff:2` or `anonymous`'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand --exit-code 'Exit 2 when any decision differs, 0 when none does (as `git diff --exit-code`)'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;authz;lint'= {
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --file 'The policy file to lint (default: --policies)'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;authz;token'= {
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --user '`"Harry Potter"`, `player:1` or `staff:2`'
            cand --ttl 'How long the token is valid: `90s`, `15m`, `1h`, `7d`'
            cand --secret 'The HS256 signing secret'
            cand --issuer 'The `iss` claim'
            cand --audience 'The `aud` claim'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;authz;init'= {
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;authz;log'= {
            cand --user 'Only the requests of this subject: `player:1`, or the name, `Harry Potter`'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand --denied 'Only requests that had something withheld or were refused'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;authz;export'= {
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --to 'The engine whose files to write'
            cand --out 'The directory to write the files into (created if needed)'
            cand --changes-since 'Also write the relationship changes from the export in DIR (an earlier `--out` of the same engine) to this one: `changes.txt` (SpiceDB: `TOUCH`/`DELETE` lines) or `changes.yaml` (OpenFGA: `deletes`, then `writes`). Both exports'' relationships are sorted on disk and compared in order, in bounded memory'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand --partial 'Export what can be translated and list the rest in the files'' headers, instead of refusing'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;authz;help'= {
            cand explain 'Show why a request is allowed or denied (without --resource: what a user may access; with --query: what a GraphQL operation returns to them)'
            cand check 'Print `allow` or `deny` and the deciding policies (exit 0 allow, 2 deny, 1 error)'
            cand test 'Run the `[[test]]` cases of the policy file (or of --file); exit 3 when any fails'
            cand who-can 'List every subject (anonymous, each player, each staff member) allowed an action on a resource, each with the policies that allow it'
            cand diff 'Every decision that differs between two policy files on the database: per subject, the resources (and fields) gained and lost, with the deciding policies on each side'
            cand lint 'Find unknown names, type mismatches and policies that can never apply; exit 1 if any'
            cand token 'Mint an access token (HS256 JWT) for a user, with the scopes the policies grant them'
            cand init 'Print the shipped policies.toml (built into the binary), to start a policy file from'
            cand log 'Summarize a decision log (`serve --decision-log`): requests and denials by subject, withheld rows and fields by policy, withheld fields, refusals and limit rejections'
            cand export 'Export the policies and the database to OpenFGA or SpiceDB: a model whose permissions (one per action, on objects named as here: `game:8`, `player:1`, `forum:Seeker`) decide as `authz check` does, and the relationship tuples the rows imply, streamed'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'quidditch;authz;help;explain'= {
        }
        &'quidditch;authz;help;check'= {
        }
        &'quidditch;authz;help;test'= {
        }
        &'quidditch;authz;help;who-can'= {
        }
        &'quidditch;authz;help;diff'= {
        }
        &'quidditch;authz;help;lint'= {
        }
        &'quidditch;authz;help;token'= {
        }
        &'quidditch;authz;help;init'= {
        }
        &'quidditch;authz;help;log'= {
        }
        &'quidditch;authz;help;export'= {
        }
        &'quidditch;authz;help;help'= {
        }
        &'quidditch;query'= {
            cand --endpoint 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)'
            cand --as 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)'
            cand --token 'Send this access token (`quidditch authz token` mints one); HTTP only'
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --admin-secret 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only'
            cand --jwt-secret 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only'
            cand --jwt-issuer 'The `iss` claim of a minted token'
            cand --jwt-audience 'The `aud` claim of a minted token'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand get-game 'A game, its teams, and the game its winner advances to (`getGame`)'
            cand get-player 'A player by exact name, with position and team (`getPlayer`)'
            cand team-games 'Every game a team won or lost (`getTeamGames`)'
            cand position 'Every player of a position (`getPosition`)'
            cand players 'A page of players with their team (`allPlayers`)'
            cand teams 'A page of teams (`allTeams`)'
            cand games 'A page of games (`allGames`)'
            cand node 'Any object by its relay global id (`node`)'
            cand raw 'Any GraphQL document; prints the JSON response'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'quidditch;query;get-game'= {
            cand --endpoint 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)'
            cand --as 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)'
            cand --token 'Send this access token (`quidditch authz token` mints one); HTTP only'
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --admin-secret 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only'
            cand --jwt-secret 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only'
            cand --jwt-issuer 'The `iss` claim of a minted token'
            cand --jwt-audience 'The `aud` claim of a minted token'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;query;get-player'= {
            cand --endpoint 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)'
            cand --as 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)'
            cand --token 'Send this access token (`quidditch authz token` mints one); HTTP only'
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --admin-secret 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only'
            cand --jwt-secret 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only'
            cand --jwt-issuer 'The `iss` claim of a minted token'
            cand --jwt-audience 'The `aud` claim of a minted token'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;query;team-games'= {
            cand --endpoint 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)'
            cand --as 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)'
            cand --token 'Send this access token (`quidditch authz token` mints one); HTTP only'
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --admin-secret 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only'
            cand --jwt-secret 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only'
            cand --jwt-issuer 'The `iss` claim of a minted token'
            cand --jwt-audience 'The `aud` claim of a minted token'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;query;position'= {
            cand --endpoint 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)'
            cand --as 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)'
            cand --token 'Send this access token (`quidditch authz token` mints one); HTTP only'
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --admin-secret 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only'
            cand --jwt-secret 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only'
            cand --jwt-issuer 'The `iss` claim of a minted token'
            cand --jwt-audience 'The `aud` claim of a minted token'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;query;players'= {
            cand --first 'At most this many rows'
            cand --after 'Start after this cursor (an `endCursor` of an earlier page)'
            cand --endpoint 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)'
            cand --as 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)'
            cand --token 'Send this access token (`quidditch authz token` mints one); HTTP only'
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --admin-secret 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only'
            cand --jwt-secret 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only'
            cand --jwt-issuer 'The `iss` claim of a minted token'
            cand --jwt-audience 'The `aud` claim of a minted token'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;query;teams'= {
            cand --first 'At most this many rows'
            cand --after 'Start after this cursor (an `endCursor` of an earlier page)'
            cand --endpoint 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)'
            cand --as 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)'
            cand --token 'Send this access token (`quidditch authz token` mints one); HTTP only'
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --admin-secret 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only'
            cand --jwt-secret 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only'
            cand --jwt-issuer 'The `iss` claim of a minted token'
            cand --jwt-audience 'The `aud` claim of a minted token'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;query;games'= {
            cand --first 'At most this many rows'
            cand --after 'Start after this cursor (an `endCursor` of an earlier page)'
            cand --endpoint 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)'
            cand --as 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)'
            cand --token 'Send this access token (`quidditch authz token` mints one); HTTP only'
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --admin-secret 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only'
            cand --jwt-secret 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only'
            cand --jwt-issuer 'The `iss` claim of a minted token'
            cand --jwt-audience 'The `aud` claim of a minted token'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;query;node'= {
            cand --endpoint 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)'
            cand --as 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)'
            cand --token 'Send this access token (`quidditch authz token` mints one); HTTP only'
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --admin-secret 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only'
            cand --jwt-secret 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only'
            cand --jwt-issuer 'The `iss` claim of a minted token'
            cand --jwt-audience 'The `aud` claim of a minted token'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;query;raw'= {
            cand --var 'A variable, `key=value`; the value is read as JSON when it parses, else as a string'
            cand --vars 'All variables as one JSON object (`--var` entries are added to it)'
            cand --operation-name 'The operation to run when the document holds several'
            cand --endpoint 'A GraphQL server to query instead of the database (e.g. http://127.0.0.1:5000/graphql)'
            cand --as 'Run as this user (`"Harry Potter"`, `player:1`, `staff:2`, `anonymous`), under policies.toml. In-process: directly. Over HTTP: with a token minted with `QUIDDITCH_JWT_SECRET`, else by impersonation with `QUIDDITCH_ADMIN_SECRET`. Without it, in-process queries run as admin (the database holder sees every row)'
            cand --token 'Send this access token (`quidditch authz token` mints one); HTTP only'
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --admin-secret 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only'
            cand --jwt-secret 'Mint a token for `--as` with this HS256 secret (the server''s `--jwt-secret`). HTTP only'
            cand --jwt-issuer 'The `iss` claim of a minted token'
            cand --jwt-audience 'The `aud` claim of a minted token'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand --sql-stats 'Print the number of SQL statements the request ran on stderr (in-process only)'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;query;help'= {
            cand get-game 'A game, its teams, and the game its winner advances to (`getGame`)'
            cand get-player 'A player by exact name, with position and team (`getPlayer`)'
            cand team-games 'Every game a team won or lost (`getTeamGames`)'
            cand position 'Every player of a position (`getPosition`)'
            cand players 'A page of players with their team (`allPlayers`)'
            cand teams 'A page of teams (`allTeams`)'
            cand games 'A page of games (`allGames`)'
            cand node 'Any object by its relay global id (`node`)'
            cand raw 'Any GraphQL document; prints the JSON response'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'quidditch;query;help;get-game'= {
        }
        &'quidditch;query;help;get-player'= {
        }
        &'quidditch;query;help;team-games'= {
        }
        &'quidditch;query;help;position'= {
        }
        &'quidditch;query;help;players'= {
        }
        &'quidditch;query;help;teams'= {
        }
        &'quidditch;query;help;games'= {
        }
        &'quidditch;query;help;node'= {
        }
        &'quidditch;query;help;raw'= {
        }
        &'quidditch;query;help;help'= {
        }
        &'quidditch;serve'= {
            cand --bind 'The address to listen on (port 0: any free port)'
            cand --policies 'The policy file [default: ./policies.toml, else the built-in copy of the shipped one]'
            cand --jwt-secret 'Accept HS256 tokens signed with this secret (`quidditch authz token` mints them)'
            cand --jwt-public-key 'Accept RS256 tokens verified with this PEM public key (tokens issued elsewhere) instead'
            cand --jwks-url 'Accept tokens signed by an identity provider: RS256, ES256 and EdDSA keys from the JWKS at this URL, chosen by the token''s `kid`. Read at start (unreachable: the server does not start), again every --jwks-refresh and when a token names an unknown `kid` (at most every 10 s); a later failure keeps the last good keys and logs a warning. `[identity]` in policies.toml maps the token''s subject to a player or staff member'
            cand --jwks-file 'Like --jwks-url, from a JWKS file (offline use): read at start and again like the URL'
            cand --jwks-refresh 'How often the JWKS is read again, whatever tokens arrive'
            cand --jwt-issuer 'Require this `iss` claim in tokens (over `[identity] issuer`)'
            cand --jwt-audience 'Require this `aud` claim in tokens (over `[identity] audience`)'
            cand --jwt-leeway 'Clock skew tolerated on tokens: accepted this long past `exp`, and this long before their `nbf` or `iat` (a token not yet valid, or issued in the future, is refused). Over `[identity] clock_skew`; without either, none'
            cand --request-timeout 'Cancel a query still running after this long, answering 504 with a `REQUEST_TIMEOUT` error. On PostgreSQL also the `statement_timeout` of the server''s connections, so a read waiting for a lock ends then too. Durations: `500ms`, `10s`, `2m`'
            cand --header-timeout 'Close a connection whose request head (or first request) has not fully arrived after this long'
            cand --body-timeout 'Answer 408 and close the connection when a request body has not fully arrived this long after its head'
            cand --idle-timeout 'Close a keep-alive connection that sends no new request for this long'
            cand --write-timeout 'Close a connection whose client takes none of its answer for this long (it sends a request and does not read the response)'
            cand --max-connections 'Connections open at once; further ones wait (in the listen queue) until one closes'
            cand --workers 'Threads serving requests, each with the connections it accepted [default: one per core; on PostgreSQL two per core, as a read blocks its worker for a round trip]'
            cand --pool-size 'On PostgreSQL: database connections open at most. A request holds one from its first read to its end; past this many, reads wait for one to be free (at most 10 s, then the request fails). Ignored on SQLite'
            cand --read-url 'On PostgreSQL: read from this database instead of --db, a hot standby of it (streaming replication). Every request reads one snapshot of the standby, so answers lag the primary by the replication delay. --db stays the primary: it must be reachable at start, and the `db` commands (and any write) go there'
            cand --decision-log 'Write one JSON line per `POST /graphql` to this file (`-`: stderr): time, subject, roles, operation name, document hash, rows and fields withheld with the policies behind them, limit refusals, latency. Never a token or secret. `quidditch authz log` summarizes it'
            cand --decision-log-max 'Rotate the decision log when it reaches this size (`100MB`, `64KB`, bytes): PATH becomes PATH.1, PATH.1 becomes PATH.2, …'
            cand --decision-log-keep 'Rotated decision logs kept (PATH.1 … PATH.N); older ones are deleted'
            cand --decision-log-flush 'Write the decision log''s buffered lines this often (`100ms`, `1s`), and at shutdown; a process killed outright loses at most this much of it. `0`: each line at once (one write per request, slower)'
            cand --admin-secret 'The admin secret: `X-Quidditch-Admin-Secret` with it acts as admin, and may impersonate with `X-Quidditch-User: REF`'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;schema'= {
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand print 'Print the SDL of the schema `serve` and `query` execute (the committed `schema.graphql`)'
            cand pull 'Ask a server for its schema by introspection and print it as SDL'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'quidditch;schema;print'= {
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;schema;pull'= {
            cand --endpoint 'The server''s GraphQL endpoint'
            cand --admin-secret 'Send this admin secret as `X-Quidditch-Admin-Secret` (the server''s `--admin-secret`). HTTP only'
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;schema;help'= {
            cand print 'Print the SDL of the schema `serve` and `query` execute (the committed `schema.graphql`)'
            cand pull 'Ask a server for its schema by introspection and print it as SDL'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'quidditch;schema;help;print'= {
        }
        &'quidditch;schema;help;pull'= {
        }
        &'quidditch;schema;help;help'= {
        }
        &'quidditch;completions'= {
            cand --db 'The database: a SQLite file, or a PostgreSQL URL'
            cand --format 'How results are printed on stdout'
            cand -v 'More logging on stderr (-v: info, -vv: debug)'
            cand --verbose 'More logging on stderr (-v: info, -vv: debug)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'quidditch;help'= {
            cand db 'Create, migrate, seed, inspect and reset the league database'
            cand authz 'Explain, check, test and lint authorization decisions (policies.toml)'
            cand query 'Run the tutorial''s GraphQL queries, in-process or against a server'
            cand serve 'Serve the GraphQL API over HTTP'
            cand schema 'Print the GraphQL schema, or pull a server''s'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'quidditch;help;db'= {
            cand init 'Create the database file, or migrate an older one (also one made by the tutorial''s server)'
            cand seed 'Load seeder.toml (or a synthetic league) into the database, creating it if needed'
            cand status 'Show the path, schema version and row counts per table'
            cand reset 'Delete every row of every table (the schema stays)'
        }
        &'quidditch;help;db;init'= {
        }
        &'quidditch;help;db;seed'= {
        }
        &'quidditch;help;db;status'= {
        }
        &'quidditch;help;db;reset'= {
        }
        &'quidditch;help;authz'= {
            cand explain 'Show why a request is allowed or denied (without --resource: what a user may access; with --query: what a GraphQL operation returns to them)'
            cand check 'Print `allow` or `deny` and the deciding policies (exit 0 allow, 2 deny, 1 error)'
            cand test 'Run the `[[test]]` cases of the policy file (or of --file); exit 3 when any fails'
            cand who-can 'List every subject (anonymous, each player, each staff member) allowed an action on a resource, each with the policies that allow it'
            cand diff 'Every decision that differs between two policy files on the database: per subject, the resources (and fields) gained and lost, with the deciding policies on each side'
            cand lint 'Find unknown names, type mismatches and policies that can never apply; exit 1 if any'
            cand token 'Mint an access token (HS256 JWT) for a user, with the scopes the policies grant them'
            cand init 'Print the shipped policies.toml (built into the binary), to start a policy file from'
            cand log 'Summarize a decision log (`serve --decision-log`): requests and denials by subject, withheld rows and fields by policy, withheld fields, refusals and limit rejections'
            cand export 'Export the policies and the database to OpenFGA or SpiceDB: a model whose permissions (one per action, on objects named as here: `game:8`, `player:1`, `forum:Seeker`) decide as `authz check` does, and the relationship tuples the rows imply, streamed'
        }
        &'quidditch;help;authz;explain'= {
        }
        &'quidditch;help;authz;check'= {
        }
        &'quidditch;help;authz;test'= {
        }
        &'quidditch;help;authz;who-can'= {
        }
        &'quidditch;help;authz;diff'= {
        }
        &'quidditch;help;authz;lint'= {
        }
        &'quidditch;help;authz;token'= {
        }
        &'quidditch;help;authz;init'= {
        }
        &'quidditch;help;authz;log'= {
        }
        &'quidditch;help;authz;export'= {
        }
        &'quidditch;help;query'= {
            cand get-game 'A game, its teams, and the game its winner advances to (`getGame`)'
            cand get-player 'A player by exact name, with position and team (`getPlayer`)'
            cand team-games 'Every game a team won or lost (`getTeamGames`)'
            cand position 'Every player of a position (`getPosition`)'
            cand players 'A page of players with their team (`allPlayers`)'
            cand teams 'A page of teams (`allTeams`)'
            cand games 'A page of games (`allGames`)'
            cand node 'Any object by its relay global id (`node`)'
            cand raw 'Any GraphQL document; prints the JSON response'
        }
        &'quidditch;help;query;get-game'= {
        }
        &'quidditch;help;query;get-player'= {
        }
        &'quidditch;help;query;team-games'= {
        }
        &'quidditch;help;query;position'= {
        }
        &'quidditch;help;query;players'= {
        }
        &'quidditch;help;query;teams'= {
        }
        &'quidditch;help;query;games'= {
        }
        &'quidditch;help;query;node'= {
        }
        &'quidditch;help;query;raw'= {
        }
        &'quidditch;help;serve'= {
        }
        &'quidditch;help;schema'= {
            cand print 'Print the SDL of the schema `serve` and `query` execute (the committed `schema.graphql`)'
            cand pull 'Ask a server for its schema by introspection and print it as SDL'
        }
        &'quidditch;help;schema;print'= {
        }
        &'quidditch;help;schema;pull'= {
        }
        &'quidditch;help;completions'= {
        }
        &'quidditch;help;help'= {
        }
    ]
    $completions[$command]
}
