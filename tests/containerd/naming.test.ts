import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { namespacedRef, parseRef } from "../../engines/containerd/naming.ts";

describe("containerd naming", () => {
  it("keeps IDs bare in the default namespace and prefixes them elsewhere", () => {
    assert.equal(namespacedRef("default", "abc"), "abc");
    assert.equal(namespacedRef("custom", "abc"), "custom/abc");
  });

  it("parses references back, defaulting to the default namespace", () => {
    assert.deepEqual(parseRef("abc"), { namespace: "default", id: "abc" });
    assert.deepEqual(parseRef("custom/abc"), { namespace: "custom", id: "abc" });
    assert.deepEqual(parseRef(namespacedRef("k8s.io", "x")), { namespace: "k8s.io", id: "x" });
  });

  it("rejects references that cannot name a container", () => {
    for (const bad of ["", "/abc", "custom/", "a/b/c"]) assert.equal(parseRef(bad), undefined, bad);
  });
});
