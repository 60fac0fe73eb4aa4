/**
 * The containerd client's details packer: the image reference of the
 * container record. containerd's task records carry no start time, so the
 * details have none.
 *
 * @module
 */

import { newDetails } from "../../lib/model/details.ts";
import type { ContainerdPacker } from "./container.ts";

/** Packs a `ContainerDetails` (lib/model/details.ts) from a container's containerd records. */
export const containerdDetails: ContainerdPacker = (_container, record) => newDetails({ image: record.container.image });
