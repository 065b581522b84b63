// Shared plumbing of the peer runners: argument parsing, the event record, a request counter,
// the overall deadline and the single JSON result line. Nothing here talks ComfyUI: each runner
// drives its own SDK through that SDK's documented public API only.
import { readFileSync } from "node:fs";

/**
 * Wall-clock timestamp of "now" as epoch milliseconds (float, sub-millisecond).
 * performance.timeOrigin is the epoch-ms instant this process's performance clock started, and
 * performance.now() is monotonic since then, so the sum is an epoch-ms value that never goes
 * backwards within one run and can be compared with the fake server's journal (epoch millis).
 */
export function nowEpochMs() {
  return performance.timeOrigin + performance.now();
}

const USAGE = `usage: node <runner>.mjs <server-url> <workflow.json> [timeout-ms] [--prompts N] [--no-download]
  server-url     e.g. http://127.0.0.1:8188
  workflow.json  a ComfyUI prompt in API format ({"3": {"class_type": ..., "inputs": ...}, ...})
  timeout-ms     overall deadline for the whole run (default 60000)
  --prompts N    submit N copies at once on the one client (one socket); copy i gets seed + i in every
                 "seed"/"noise_seed" input so none is served from the cache (default 1: sent unchanged)
  --no-download  do not fetch the output files from /view afterwards
Prints ONE JSON line: {"client","outcome","prompt_id","prompts","outputs","events","requests",
"download_requests","errors",...}; outcome is one of: success, failed, interrupted, rejected,
unreachable, timeout (for N prompts: success only if all succeeded, else the first other outcome).
Exit status 0 only for success.`;

function usageError(message) {
  console.error(message);
  console.error(USAGE);
  process.exit(64);
}

/** Parses argv into {url, workflow, workflowFile, timeoutMs, prompts, download}; exits with usage on bad input. */
export function parseArgs(argv) {
  const raw = argv.slice(2);
  if (raw.includes("-h") || raw.includes("--help")) {
    console.log(USAGE);
    process.exit(0);
  }
  const positional = [];
  let prompts = 1;
  let download = true;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === "--prompts") {
      prompts = Number(raw[++i]);
      if (!Number.isInteger(prompts) || prompts < 1) usageError(`invalid --prompts '${raw[i]}': expected a whole number >= 1`);
    } else if (raw[i] === "--no-download") {
      download = false;
    } else if (raw[i].startsWith("--")) {
      usageError(`unknown option '${raw[i]}'`);
    } else {
      positional.push(raw[i]);
    }
  }
  if (positional.length < 2 || positional.length > 3) usageError("expected <server-url> <workflow.json> [timeout-ms]");
  const [rawUrl, workflowFile, rawTimeout] = positional;
  let url;
  try {
    url = new URL(rawUrl);
  } catch {
    usageError(`invalid server URL '${rawUrl}': expected e.g. http://127.0.0.1:8188`);
  }
  let workflow;
  try {
    workflow = JSON.parse(readFileSync(workflowFile, "utf8"));
  } catch (e) {
    usageError(`cannot read workflow '${workflowFile}': ${e.message}`);
  }
  if (workflow === null || typeof workflow !== "object" || Array.isArray(workflow)) {
    usageError(`workflow '${workflowFile}' is not a JSON object of nodes in API format`);
  }
  const timeoutMs = rawTimeout === undefined ? 60000 : Number(rawTimeout);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    usageError(`invalid timeout '${rawTimeout}': expected a positive number of milliseconds`);
  }
  return { url: url.toString().replace(/\/$/, ""), workflow, workflowFile, timeoutMs, prompts, download };
}

/**
 * The prompts to submit: the workflow unchanged when there is one, else copies whose seeds differ
 * (seed + i), so that each copy really executes instead of being answered from the server's cache.
 */
export function promptCopies(workflow, count) {
  if (count === 1) return [workflow];
  return Array.from({ length: count }, (_, i) => {
    const copy = structuredClone(workflow);
    for (const node of Object.values(copy)) {
      for (const key of ["seed", "noise_seed"]) {
        if (node?.inputs && typeof node.inputs[key] === "number") node.inputs[key] += i;
      }
    }
    return copy;
  });
}

/** The overall outcome of several prompts: success if all succeeded, else the first other outcome. */
export function overallOutcome(outcomes) {
  return outcomes.find((o) => o !== "success") ?? "success";
}

/** Node ids of the output nodes (SaveImage / PreviewImage) of an API-format prompt, sorted. */
export function outputNodeIds(workflow) {
  return Object.entries(workflow)
    .filter(([, node]) => node && (node.class_type === "SaveImage" || node.class_type === "PreviewImage"))
    .map(([id]) => id)
    .sort();
}

/** One run's record; finish() prints it once and exits. */
export class RunRecord {
  constructor(client, startedAt = nowEpochMs()) {
    this.result = {
      client,
      outcome: "timeout",
      prompt_id: null,
      prompts: [],
      started: startedAt,
      finished: null,
      outputs: [],
      events: [],
      requests: 0,
      download_requests: 0,
      errors: [],
    };
    this.done = false;
  }

  /** Records one event as delivered by the SDK, with a few identifying fields when present. */
  event(type, detail) {
    if (this.done) return;
    const e = { t: nowEpochMs(), type };
    if (detail && typeof detail === "object") {
      for (const key of ["prompt_id", "node", "value", "max"]) {
        if (detail[key] !== undefined && detail[key] !== null && typeof detail[key] !== "object") {
          e[key] = detail[key];
        }
      }
    }
    this.result.events.push(e);
  }

  error(err) {
    if (this.done) return;
    const name = err && err.name ? err.name : "Error";
    let message = err && err.message !== undefined ? String(err.message) : String(err);
    if (err && err.cause !== undefined) {
      const cause = err.cause;
      let text;
      if (cause instanceof Error) {
        text = [cause.code, cause.message].filter(Boolean).join(" ");
      } else {
        try {
          text = typeof cause === "string" ? cause : JSON.stringify(cause);
        } catch {
          text = String(cause);
        }
      }
      message += ` (cause: ${text})`;
    }
    this.result.errors.push({ t: nowEpochMs(), name, message: message.slice(0, 2000) });
  }

  /**
   * A fetch that counts every HTTP request made through it, then delegates to the real one. Requests
   * made while downloading outputs (after {@link #downloading}) are counted apart, so "requests" is
   * what the SDK needed to submit and track the prompts.
   */
  countingFetch(realFetch = globalThis.fetch) {
    return (...args) => {
      if (this.inDownload) this.result.download_requests++;
      else this.result.requests++;
      return realFetch(...args);
    };
  }

  /** From now on, requests are downloads of outputs. */
  downloading() {
    this.inDownload = true;
  }

  /**
   * Prints the result line and exits. Returns a promise that never settles, so that
   * `await record.finish(...)` stops the caller's flow until the process is gone.
   */
  finish(outcome, extra = {}) {
    const never = new Promise(() => {});
    if (this.done) return never;
    this.result.outcome = outcome;
    this.result.finished = nowEpochMs();
    Object.assign(this.result, extra);
    this.done = true;
    process.stdout.write(JSON.stringify(this.result) + "\n", () => process.exit(outcome === "success" ? 0 : 1));
    return never;
  }

  /** Ends the run as "timeout" if nothing else ended it first. */
  deadline(timeoutMs) {
    // Kept referenced on purpose: it also keeps the process alive until the run ends one way or another.
    return setTimeout(() => this.finish("timeout"), timeoutMs);
  }
}

/** True when an error says nothing answered at that address (refused, unknown host, reset at connect). */
export function isUnreachable(err) {
  const seen = new Set();
  for (let e = err; e && !seen.has(e); e = e.cause) {
    seen.add(e);
    const code = e.code || (e.errno && String(e.errno));
    if (["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ECONNRESET"].includes(code)) {
      return true;
    }
    if (typeof e.message === "string" && /fetch failed|bad port|ECONNREFUSED/.test(e.message)) return true;
  }
  return false;
}
