// The part of a private containerd's config.toml that plain containerd and the CRI instance share:
// its own root, state and sockets, no debug or metrics listener, and the plugins it does not need.
import path from "node:path";

/** The shared head of config.toml for a containerd living in dir and serving gRPC on socket. */
export function containerdConfigToml(dir, socket, disabledPlugins) {
  return `version = 2
root = ${JSON.stringify(path.join(dir, "root"))}
state = ${JSON.stringify(path.join(dir, "state"))}
disabled_plugins = ${JSON.stringify(disabledPlugins)}
[grpc]
  address = ${JSON.stringify(socket)}
[ttrpc]
  address = ${JSON.stringify(socket + ".ttrpc")}
[debug]
  address = ""
  level = "warn"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = ${JSON.stringify(path.join(dir, "opt"))}
`;
}
