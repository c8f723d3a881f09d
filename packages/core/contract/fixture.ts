import { afterEach, beforeEach } from "vitest";

/** Sets a fixture up before each test and closes it after; call the result inside a test for it. */
export function useFixture<T extends { close(): Promise<void> }>(setup: () => Promise<T>): () => T {
  let fixture: T | undefined;
  beforeEach(async () => {
    fixture = await setup();
  });
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });
  return () => {
    if (!fixture) throw new Error("the fixture is only available inside a test");
    return fixture;
  };
}
