/**
 * The public surface is only the product: test hooks live in `./testing`,
 * what a watcher hands out is typed read-only, and names are consistent
 * across engines. The `@ts-expect-error` lines are checked by the type-check
 * (they fail it when the thing they forbid becomes possible).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as mod from "../../mod.ts";
import type { ContainerdPacker, ContainerdRecord, Packer, ReadonlyComposerProject, ReadonlyPortfolio } from "../../mod.ts";
// @ts-expect-error: the Docker transport hook is not part of the main entry point
import type { TransportFactory as NotInMod } from "../../mod.ts";
// @ts-expect-error: nor are the HTTP transport types it needs
import type { HttpTransport as AlsoNotInMod } from "../../mod.ts";
import type { HttpEndpoint, HttpTransport, TransportFactory } from "../../testing.ts";
import { WatcherClosedError } from "../../lib/errors.ts";
import { COMPOSE_PROJECT_LABEL, PRIVILEGED_LABEL } from "../../lib/model/labels.ts";
import { FakeEngine } from "../support/fake-engine.ts";
import { ROOT } from "./child.ts";

describe("the public surface", () => {
  it("exports the engine types under *_ENGINE_TYPE names and no DOCKER_TYPE/PODMAN_TYPE", () => {
    assert.equal(mod.DOCKER_ENGINE_TYPE, "docker.com");
    assert.equal(mod.PODMAN_ENGINE_TYPE, "podman.io");
    assert.equal(mod.CONTAINERD_ENGINE_TYPE, "containerd.io");
    const names = Object.keys(mod);
    assert.ok(!names.includes("DOCKER_TYPE") && !names.includes("PODMAN_TYPE"), names.join(", "));
  });

  it("WatcherClosedError is the one in lib/errors.ts, and the label names are the model's", () => {
    assert.equal(mod.WatcherClosedError, WatcherClosedError);
    assert.ok(new WatcherClosedError() instanceof mod.WhalewatcherError);
    assert.equal(mod.COMPOSE_PROJECT_LABEL, COMPOSE_PROJECT_LABEL);
    assert.equal(mod.PRIVILEGED_LABEL, PRIVILEGED_LABEL);
  });

  it("a watcher's portfolio and its projects are typed read-only", async () => {
    const engine = new FakeEngine();
    engine.startQuietly({ id: "a", project: "shop" });
    await using watcher = new mod.Watcher(engine, { backoff: { maxRetries: 0 } });
    void watcher.watch();
    await watcher.ready;
    const portfolio: ReadonlyPortfolio = watcher.portfolio;
    const project: ReadonlyComposerProject = portfolio.project("shop")!;
    assert.deepEqual(project.containerNames(), ["a"]);
    // @ts-expect-error: no add on a snapshot
    assert.equal(typeof portfolio.add, "function"); // still a clone at run time: changing it changes nothing shared
    // @ts-expect-error: no setPaused on a snapshot's project
    void project.setPaused;
    // @ts-expect-error: no remove
    void portfolio.remove;
    // @ts-expect-error: no clone to mutate
    void portfolio.clone;
  });

  it("one packer type: docker's is Packer<unknown>, containerd's Packer<ContainerdRecord>", () => {
    const dockerPacker: Packer = (container, inspect) => [container.id, inspect];
    const containerdPacker: ContainerdPacker = (container, record: ContainerdRecord) => [container.id, record.container.image];
    const generic: Packer<ContainerdRecord> = containerdPacker;
    assert.equal(typeof dockerPacker, "function");
    assert.equal(generic, containerdPacker);
    const options: mod.DockerClientOptions = { packer: dockerPacker };
    assert.equal(options.packer, dockerPacker);
  });

  it("the ./testing entry point is exported by deno.json and package.json (with the build)", () => {
    const deno = JSON.parse(readFileSync(`${ROOT}deno.json`, "utf8"));
    const npm = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8"));
    const build = JSON.parse(readFileSync(`${ROOT}tsconfig.build.json`, "utf8"));
    assert.equal(deno.exports["./testing"], "./testing.ts");
    assert.ok(deno.publish.include.includes("testing.ts"));
    assert.deepEqual(npm.exports["./testing"], { types: "./dist/testing.d.ts", import: "./dist/testing.js" });
    assert.ok(build.include.includes("testing.ts"));
    // The hook's types fit DockerClientOptions.transportFactory.
    const factory: TransportFactory = (_endpoint: HttpEndpoint): Promise<HttpTransport> => Promise.reject(new Error("unused"));
    const options: mod.DockerClientOptions = { transportFactory: factory };
    assert.equal(options.transportFactory, factory);
  });
});

export type { AlsoNotInMod, NotInMod };
