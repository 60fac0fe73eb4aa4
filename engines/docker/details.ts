/**
 * The Docker client's details packer: the image (`Config.Image`, as the
 * user named it) and start time (`State.StartedAt`) from the inspect JSON,
 * for front ends that show them.
 *
 * @module
 */

import type { Packer } from "../../lib/model/container.ts";
import { newDetails } from "../../lib/model/details.ts";
import { isObject } from "./convert.ts";

/** Packs a `ContainerDetails` (lib/model/details.ts) from a container's inspect JSON (Docker and podman alike). */
export const dockerDetails: Packer = (_container, inspect) => {
  const config = isObject(inspect) && isObject(inspect.Config) ? inspect.Config : {};
  const state = isObject(inspect) && isObject(inspect.State) ? inspect.State : {};
  return newDetails({ image: config.Image, started: state.StartedAt });
};
