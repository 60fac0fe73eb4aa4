/**
 * A Watcher on a DockerClient behind the fault proxy, in front of the real
 * private dockerd (WW_TEST_DOCKER_HOST): recovers from every fault kind with
 * a correct portfolio and exactly the missed transitions.
 */
import { dockerEngine } from "../support/engines.ts";
import { DockerDriver, dockerEventStream } from "./drivers.ts";
import { commonFaults, faultScenarios, GARBAGE, garbageFault } from "./faults.ts";

const engine = dockerEngine();
const host = engine.endpoint ?? "";
const events = dockerEventStream;
const malformed = '{"status":"die","id":tru\n';

faultScenarios(
  "Watcher + DockerClient through the fault proxy against real dockerd",
  engine.skip,
  () => new DockerDriver(host),
  host.replace(/^unix:\/\//, ""),
  [
    ...commonFaults(events),
    garbageFault("garbage bytes injected into the event stream (breaks the chunked framing)", events, GARBAGE),
    // A well-framed HTTP chunk whose content is a malformed JSON line: the NDJSON decoder's protocol error.
    garbageFault("a well-framed chunk of malformed JSON in the event stream", events, `${malformed.length.toString(16)}\r\n${malformed}\r\n`),
  ],
);
