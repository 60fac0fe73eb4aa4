import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { newContainer } from "../../lib/model/container.ts";
import { Portfolio } from "../../lib/model/portfolio.ts";

const web = newContainer({ id: "id-web", name: "web", pid: 10, project: "shop", labels: { tier: "front" } });
const db = newContainer({ id: "id-db", name: "db", pid: 11, project: "shop" });
const lone = newContainer({ id: "id-lone", name: "lone", pid: 12 });

function filled(): Portfolio {
  const portfolio = new Portfolio();
  for (const c of [web, db, lone]) portfolio.add(c);
  return portfolio;
}

describe("Container values", () => {
  it("are frozen, default their name to the ID and reject missing PIDs", () => {
    const c = newContainer({ id: "abc", pid: 1 });
    assert.equal(c.name, "abc");
    assert.equal(c.project, "");
    assert.equal(c.paused, false);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.labels));
    assert.throws(() => newContainer({ id: "abc", pid: 0 }), TypeError);
    assert.throws(() => newContainer({ id: "", pid: 1 }), TypeError);
  });

  it("say what is wrong with a bad ID or PID", () => {
    assert.throws(() => newContainer({ id: 7 as unknown as string, pid: 1 }), { name: "TypeError", message: "container id must be a non-empty string" });
    assert.throws(() => newContainer({ id: "", pid: 1 }), { message: "container id must be a non-empty string" });
    assert.throws(() => newContainer({ id: "abc", pid: 0 }), { message: "container abc: pid must be a positive integer, got 0" });
    assert.throws(() => newContainer({ id: "abc", pid: -3 }), { message: "container abc: pid must be a positive integer, got -3" });
    assert.throws(() => newContainer({ id: "abc", pid: 1.5 }), { message: "container abc: pid must be a positive integer, got 1.5" });
    assert.equal(newContainer({ id: "abc", pid: 1 }).pid, 1);
  });

  it("keep what they were given, copy the labels, and have a rucksack only when given one", () => {
    const labels = { tier: "front" };
    const c = newContainer({ id: "abc", name: "web", pid: 7, project: "shop", paused: true, labels, rucksack: { image: "nginx" } });
    assert.deepEqual({ ...c }, { id: "abc", name: "web", pid: 7, project: "shop", paused: true, labels: { tier: "front" }, rucksack: { image: "nginx" } });
    assert.notEqual(c.labels, labels, "a frozen copy, not the caller's object");
    assert.deepEqual(newContainer({ id: "abc", pid: 1 }).labels, {});
    assert.equal("rucksack" in newContainer({ id: "abc", pid: 1 }), false);
  });
});

describe("Portfolio", () => {
  it("groups containers into projects and finds them by ID or name", () => {
    const portfolio = filled();
    assert.deepEqual(portfolio.names(), ["shop"]);
    assert.equal(portfolio.containerTotal, 3);
    assert.equal(portfolio.container("web"), web);
    assert.equal(portfolio.container("id-db"), db);
    assert.equal(portfolio.container("nope"), undefined);
    assert.deepEqual(portfolio.project("shop")!.containerNames(), ["db", "web"]);
    assert.deepEqual(portfolio.project("")!.containerNames(), ["lone"]);
    assert.equal(portfolio.project("nope"), undefined);
    assert.deepEqual(new Set(portfolio.allContainers()), new Set([web, db, lone]));
  });

  it("reports whether an added container is new and replaces same-ID containers across projects", () => {
    const portfolio = filled();
    assert.equal(portfolio.add(web), false);
    const moved = newContainer({ id: "id-web", name: "web2", pid: 99, project: "blog" });
    assert.equal(portfolio.add(moved), false);
    assert.equal(portfolio.containerTotal, 3);
    assert.deepEqual(portfolio.names(), ["blog", "shop"]);
    assert.equal(portfolio.container("web"), undefined, "the old name is gone");
    assert.equal(portfolio.container("web2"), moved);
    assert.deepEqual(portfolio.project("shop")!.containerNames(), ["db"]);
  });

  it("keeps a name to the container that took it over when an earlier holder of the name goes", () => {
    const portfolio = new Portfolio();
    const first = newContainer({ id: "id-1", name: "web", pid: 1 });
    const second = newContainer({ id: "id-2", name: "web", pid: 2 });
    portfolio.add(first);
    portfolio.add(second); // the name now leads to the newer container
    assert.equal(portfolio.remove("id-1"), first);
    assert.equal(portfolio.container("web"), second);
    assert.equal(portfolio.remove("web"), second);
    assert.equal(portfolio.container("web"), undefined);
  });

  it("re-indexes a container renamed in its project or moved under its name", () => {
    const portfolio = filled();
    assert.equal(portfolio.add(newContainer({ id: "id-new", pid: 5 })), true, "a new ID is new");
    const renamed = newContainer({ id: "id-web", name: "web2", pid: 10, project: "shop" });
    assert.equal(portfolio.add(renamed), false);
    assert.equal(portfolio.container("web"), undefined);
    assert.equal(portfolio.container("web2"), renamed);
    const moved = newContainer({ id: "id-db", name: "db", pid: 11, project: "blog" });
    portfolio.add(moved);
    assert.deepEqual(portfolio.names(), ["blog", "shop"]);
    assert.deepEqual(portfolio.project("shop")!.containerNames(), ["web2"]);
    assert.equal(portfolio.project("blog")!.container("db"), moved);
  });

  it("has the standalone project from the start; a project view outlives its containers", () => {
    const empty = new Portfolio();
    assert.deepEqual(empty.project("")!.containers(), []);
    const portfolio = filled();
    const shop = portfolio.project("shop")!;
    assert.equal(shop.container("nope"), undefined);
    portfolio.remove("web");
    portfolio.remove("db");
    assert.deepEqual(shop.containers(), []);
    assert.deepEqual(shop.containerNames(), []);
  });

  it("lists project names sorted, whatever the order they came in", () => {
    const portfolio = new Portfolio();
    const names = ["tango", "alpha", "mike", "zulu", "bravo", "kilo", "echo", "x-ray", "delta"];
    names.forEach((project, i) => portfolio.add(newContainer({ id: `id-${i}`, pid: i + 1, project })));
    portfolio.add(newContainer({ id: "id-lone", pid: 99 }));
    assert.deepEqual(portfolio.names(), [...names].sort());
  });

  it("changes nothing when a container's pause state is set to what it is", () => {
    const portfolio = filled();
    assert.equal(portfolio.setPaused("web", false), web, "the same value, not a copy");
    assert.equal(portfolio.container("web"), web);
    assert.equal(portfolio.setPaused("nope", true), undefined);
  });

  it("removes containers, honouring the project, and drops emptied named projects", () => {
    const portfolio = filled();
    assert.equal(portfolio.remove("web", "other"), undefined);
    assert.equal(portfolio.remove("web", "shop"), web);
    assert.equal(portfolio.remove("id-db"), db);
    assert.deepEqual(portfolio.names(), []);
    assert.equal(portfolio.project("shop"), undefined);
    assert.equal(portfolio.remove("lone"), lone);
    assert.deepEqual(portfolio.project("")!.containers(), [], "the standalone project always exists");
    assert.equal(portfolio.containerTotal, 0);
  });

  it("sets the paused state by replacing the immutable value, also through a project", () => {
    const portfolio = filled();
    const paused = portfolio.project("shop")!.setPaused("web", true)!;
    assert.equal(paused.paused, true);
    assert.equal(web.paused, false, "the old value is unchanged");
    assert.equal(portfolio.container("web"), paused);
    assert.equal(portfolio.project("")!.setPaused("web", false), undefined, "not in that project");
  });

  it("clones in O(1) into independent copies", () => {
    const portfolio = filled();
    const snapshot = portfolio.clone();
    const project = snapshot.project("shop")!;
    portfolio.remove("web");
    portfolio.add(newContainer({ id: "id-new", pid: 5 }));
    assert.equal(snapshot.containerTotal, 3);
    assert.equal(snapshot.container("web"), web);
    assert.deepEqual(project.containerNames(), ["db", "web"]);
    assert.equal(snapshot.container("id-new"), undefined);
  });

  it("renders projects as text", () => {
    assert.equal(filled().toString(), 'project "shop": ["db","web"]\nproject "": ["lone"]');
  });
});
