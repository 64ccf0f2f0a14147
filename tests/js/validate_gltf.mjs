// Runs the Khronos glTF validator (npm `gltf-validator`) on each file named on the command line
// and prints one JSON object: { "<path>": <validation report> }. External resources (.bin
// next to a .gltf) are read relative to the file. Exit code 0 even when a report has errors: the
// caller (tests/gltf_validator.rs) reads the reports and decides.
import { readFile } from "node:fs/promises";
import path from "node:path";
import validator from "gltf-validator";

const reports = {};
for (const file of process.argv.slice(2)) {
  const bytes = new Uint8Array(await readFile(file));
  reports[file] = await validator.validateBytes(bytes, {
    uri: path.basename(file),
    maxIssues: 100,
    externalResourceFunction: (uri) =>
      readFile(path.join(path.dirname(file), decodeURIComponent(uri))).then(
        (b) => new Uint8Array(b),
      ),
  });
}
process.stdout.write(JSON.stringify(reports, null, 2) + "\n");
