package io.comfyrun.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.bench.PeerRunner.Peer;
import okhttp3.OkHttpClient;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The same scenarios for the published peers: the standalone fake jar (one fresh server per run), the peer's
 * runner as a Node process. Send times are the journal's {@code epoch_micros}; callback times are the runner's
 * {@code performance.timeOrigin + performance.now()}: both epoch time on this machine, sub-millisecond.
 */
final class PeerBench {

    private final Path jar;
    private final PeerRunner runner;
    private final Workflows wf;
    private final OkHttpClient http;
    /** Start times of every jar started, for the start-time table. */
    final List<Double> jarStarts = new ArrayList<>();
    /** Raw runner outputs (trimmed), for docs/benchmarks.json. */
    final Map<String, JsonNode> rawRuns = new HashMap<>();

    PeerBench(Path jar, PeerRunner runner, Workflows wf, OkHttpClient http) {
        this.jar = jar;
        this.runner = runner;
        this.wf = wf;
        this.http = http;
    }

    FakeProcess server(String... args) throws IOException {
        FakeProcess f = FakeProcess.start(jar, http, args);
        jarStarts.add(f.startMillis);
        return f;
    }

    private Path file(String name) {
        return wf.dir.resolve(name);
    }

    private static long micros(JsonNode epochMs) {
        return Math.round(epochMs.asDouble() * 1000.0);
    }

    private void keep(String name, JsonNode run) {
        if (run instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
            o.put("progress_callbacks", o.path("progress").size());
            o.remove("progress"); // thousands of entries: the summaries carry what matters
        }
        rawRuns.put(name, run);
    }

    private static Stats progressLatency(Timeline t, JsonNode run) {
        Map<String, Long> sent = t.progressSent();
        Map<String, Long> seen = new HashMap<>();
        for (JsonNode p : run.path("progress")) {
            seen.putIfAbsent(Timeline.key(p.path("prompt_id").asText(null), p.path("node").asText(null),
                    p.path("value").asInt()), micros(p.path("t")));
        }
        List<Double> ms = new ArrayList<>();
        seen.forEach((k, at) -> {
            Long s = sent.get(k);
            if (s != null) {
                ms.add((at - s) / 1000.0);
            }
        });
        return Stats.of(ms);
    }

    /** {@code n} prompts one after another; the first is a warm-up and not counted. */
    Results.Sequential sequential(Peer peer, double timeScale, int n, long timeoutMs) throws IOException {
        try (FakeProcess f = server("--time-scale", String.valueOf(timeScale))) {
            JsonNode run = runner.run(peer, "sequential", f.baseUrl, file("txt2img.json"), n + 1, timeoutMs);
            Timeline t = f.journal();
            Map<String, Long> terminal = t.firstSent("execution_success");
            List<Double> term = new ArrayList<>();
            List<Double> reqs = new ArrayList<>();
            int ok = 0;
            int counted = 0;
            JsonNode prompts = run.path("prompts");
            for (int i = 1; i < prompts.size(); i++) {
                JsonNode p = prompts.get(i);
                if (p.path("done").isNull() || p.path("done").isMissingNode()) {
                    continue;
                }
                counted++;
                ok += "success".equals(p.path("outcome").asText()) ? 1 : 0;
                long t0 = micros(p.path("submitted"));
                long t1 = micros(p.path("done"));
                Long sent = terminal.get(p.path("prompt_id").asText(""));
                if (sent != null) {
                    term.add((t1 - sent) / 1000.0);
                }
                reqs.add((double) t.requestsBetween(t0, t1).size());
            }
            double secs = prompts.size() > 1
                    ? (prompts.get(prompts.size() - 1).path("done").asDouble() - prompts.get(1).path("submitted").asDouble()) / 1000.0
                    : Double.NaN;
            Stats progress = progressLatency(t, run);
            keep(peer.arg + "/sequential@" + timeScale, run);
            String outcome = run.path("outcome").asText("no output");
            return new Results.Sequential(counted, ok, Stats.of(term), progress, Stats.of(reqs),
                    counted > 0 && secs > 0 ? counted / secs : Double.NaN, outcome);
        }
    }

    /** {@code n} prompts in flight behind a gate, as for comfyRun; heap from the runner (node --expose-gc). */
    Results.InFlight inFlight(Peer peer, int n, long timeoutMs) throws Exception {
        try (FakeProcess f = server("--time-scale", "100")) {
            // Warm the server's checkpoint cache as the engine's warm-up does.
            String gate = "bench-gate-" + n;
            wf.postGate(http, f.baseUrl, gate);
            Thread release = new Thread(() -> {
                try {
                    Workflows.awaitQueued(http, f.baseUrl, n + 1, Duration.ofSeconds(60));
                    Workflows.interrupt(http, f.baseUrl, gate);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, "bench-gate-release");
            release.setDaemon(true);
            release.start();
            JsonNode run = runner.run(peer, "inflight", f.baseUrl, file("txt2img.json"), n, timeoutMs);
            release.join(5_000);
            Timeline t = f.journal();
            int completed = 0;
            for (JsonNode p : run.path("prompts")) {
                completed += p.path("done").isNumber() ? 1 : 0;
            }
            JsonNode heap = run.path("heap");
            Double perPrompt = heap.path("after").isNumber()
                    ? (heap.path("after").asDouble() - heap.path("before").asDouble()) / n : null;
            Stats progress = progressLatency(t, run);
            keep(peer.arg + "/inflight-" + n, run);
            return new Results.InFlight(n, completed, progress, perPrompt, run.path("outcome").asText("no output"));
        }
    }

    /** stable-canvas's enqueue_polling: requests per second in a 10 s window. */
    Results.Polling polling(Peer peer, int n, double windowSeconds) throws Exception {
        try (FakeProcess f = server("--time-scale", "1")) {
            f.admin("POST", "/__fake/scenario", "{\"timings\": [{\"class_type\": \"KSampler\", \"steps_per_second\": 0.5}]}");
            JsonNode run = runner.run(peer, "polling", f.baseUrl, file("txt2img.json"), n, (long) (windowSeconds * 1000) + 6_000);
            Timeline t = f.journal();
            long lastPost = t.ofKind("HTTP_REQUEST").stream()
                    .filter(e -> "POST".equals(e.method()) && e.path().replaceAll("\\?.*", "").endsWith("/prompt"))
                    .mapToLong(Timeline.Entry::micros).max().orElse(0);
            long from = lastPost + 1_000_000;
            long to = from + (long) (windowSeconds * 1e6);
            keep(peer.arg + "/polling-" + n, run);
            return EngineBench.polling(n, windowSeconds, t.requestsBetween(from, to));
        }
    }

    /** Socket reset with the sampler's last step, reconnects refused 2 s; one fresh server per run. */
    Results.Reconnect reconnect(Peer peer, int runs, long timeoutMs) throws Exception {
        double scale = 10;
        EngineBench.Recovery rec = new EngineBench.Recovery();
        int finished = 0;
        String last = "";
        for (int i = 0; i < runs; i++) {
            try (FakeProcess f = server("--time-scale", String.valueOf(scale))) {
                f.admin("POST", "/__fake/faults", "{\"kind\": \"ws_rst\", \"trigger\": {\"on_event\": \"progress\", \"event_count\": "
                        + EngineBench.LAST_STEP + "},"
                        + " \"refuse_reconnect_ms\": " + (2_000 * scale) + "}");
                JsonNode run = runner.run(peer, "sequential", f.baseUrl, file("txt2img.json"), 1, timeoutMs);
                last = run.path("outcome").asText("no output");
                JsonNode p = run.path("prompts").path(0);
                if ("success".equals(last) && p.path("done").isNumber()) {
                    finished++;
                    rec.add(f.journal(), micros(p.path("done")));
                }
                keep(peer.arg + "/reconnect-" + i, run);
            }
        }
        return rec.result(runs, finished, last);
    }

    /** Progress callbacks (one console line each if printed) for the two-hour training, virtual time. */
    JsonNode training(Peer peer, double timeScale, long timeoutMs) throws IOException {
        try (FakeProcess f = server("--time-scale", String.valueOf(timeScale))) {
            JsonNode run = runner.run(peer, "sequential", f.baseUrl, file("training.json"), 1, timeoutMs);
            keep(peer.arg + "/training", run);
            return run;
        }
    }
}
