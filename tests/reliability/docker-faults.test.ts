/**
 * A Watcher on a DockerClient behind the fault proxy, in front of each real
 * Docker-API engine (the private dockerd, WW_TEST_DOCKER_HOST, and podman,
 * WW_TEST_PODMAN_HOST; each skips on its own): recovers from every fault kind
 * with a correct portfolio and exactly the missed transitions.
 */
import { dockerApiEngines } from "../support/engines.ts";
import { DockerDriver, dockerEventStream } from "./drivers.ts";
import { commonFaults, faultScenarios, GARBAGE, garbageFault } from "./faults.ts";

const events = dockerEventStream;
const malformed = '{"status":"die","id":tru\n';

for (const [label, engine] of dockerApiEngines()) {
  const host = engine.endpoint ?? "";
  faultScenarios(
    `Watcher + DockerClient through the fault proxy against real ${label}`,
    engine.skip,
    () => new DockerDriver(host, label),
    host.replace(/^unix:\/\//, ""),
    [
      ...commonFaults(events),
      garbageFault("garbage bytes injected into the event stream (breaks the chunked framing)", events, GARBAGE),
      // A well-framed HTTP chunk whose content is a malformed JSON line: the NDJSON decoder's protocol error.
      garbageFault("a well-framed chunk of malformed JSON in the event stream", events, `${malformed.length.toString(16)}\r\n${malformed}\r\n`),
    ],
  );
}
