// What the sandbox prints once it is ready (and a second sandbox for the same directory repeats): the
// engines' sockets and the commands to watch and drive them.
import { containerdDemoId } from "./workload.mjs";

/** The guide for a sandbox under dir with the engines of `env` (the WW_TEST_* variables). */
export function guide(dir, env) {
  const docker = env.WW_TEST_DOCKER_HOST;
  const podman = env.WW_TEST_PODMAN_HOST;
  const containerd = env.WW_TEST_CONTAINERD;
  const cri = env.WW_TEST_CRI;
  const path = (url) => url.replace(/^unix:\/\//, "");
  const sockets = [path(docker), containerd, ...(podman ? [path(podman)] : [])];
  const options = `--docker-host ${docker} --containerd ${containerd}${cri ? ` --cri ${cri}` : ""}`;
  const lines = [
    `Sandbox ready under ${dir}: compose project "demo" (web, db paused) and "lonely" on dockerd,` +
      `${podman ? ` "pod-lonely" on podman,` : ""} "${containerdDemoId(dir)}" on containerd.`,
    "",
    `  dockerd     ${docker}`,
    ...(podman ? [`  podman      ${podman}`] : []),
    `  containerd  ${containerd}`,
    ...(cri ? [`  cri         ${cri}`] : []),
    "",
    "Watch them (from the clone; `npx whalewatcher` once it is installed):",
    `  npm start --silent -- ${options}`,
    ...(podman ? [`  npm start --silent -- --engine podman --podman-host ${podman} --watch`] : []),
    `  bun mod.ts ${options} --watch`,
    `  deno run -P --allow-read=${sockets.join(",")} --allow-write=${sockets.join(",")} \\`,
    `      --allow-net=${sockets.map((s) => `unix:${s}`).join(",")},localhost mod.ts --docker-host ${docker} --containerd ${containerd}`,
    "",
    "Drive them:",
    `  docker -H ${docker} unpause demo_db_1`,
    ...(podman ? [`  docker -H ${podman} stop pod-lonely        # podman speaks the Docker API; or: podman --url ${podman} ps`] : []),
    `  ctr -a ${containerd} task pause ${containerdDemoId(dir)}`,
    "",
    "Ctrl-C (or SIGTERM) stops these engines and removes everything under the sandbox directory;",
    "processes of yours that point at it are left alone. A second sandbox beside it: npm run sandbox -- --dir ${dir}-2",
  ];
  return lines.join("\n") + "\n";
}
