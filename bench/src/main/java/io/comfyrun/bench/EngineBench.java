package io.comfyrun.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.Outcome;
import io.comfyrun.client.PromptHandle;
import io.comfyrun.client.PromptRequest;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.TrackingMode;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.client.progress.log.ProgressLog;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.scenario.Fault.WsAction;
import io.comfyrun.fake.scenario.Trigger;
import okhttp3.OkHttpClient;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * comfyRun's engine on the fake server, in this JVM: both sides stamp times with {@link System#nanoTime()}, so
 * "frame sent" (the fake's journal) and "callback called" (our listener) are on one monotonic clock.
 */
final class EngineBench {

    private final Workflows wf;
    private final OkHttpClient http;
    /** Queue-position events delivered to listeners while the first ten prompts ran, per in-flight count. */
    final Map<Integer, Integer> queuedDuringMeasure = new TreeMap<>();

    EngineBench(Workflows wf, OkHttpClient http) {
        this.wf = wf;
        this.http = http;
    }

    private static FakeComfyUI fake(double timeScale) {
        return FakeComfyUI.builder().port(0).timeScale(timeScale).seed(1).start();
    }

    private static long micros() {
        return System.nanoTime() / 1_000;
    }

    /** Records (prompt, node, value) → time of the StepProgress callback. */
    private static ProgressListener stepTimes(Map<String, Long> into) {
        return e -> {
            if (e instanceof PromptEvent.StepProgress sp) {
                into.putIfAbsent(Timeline.key(sp.promptId(), sp.node().id(), sp.value()), micros());
            }
        };
    }

    private static Stats progressLatency(Timeline t, Map<String, Long> seen) {
        Map<String, Long> sent = t.progressSent();
        List<Double> ms = new ArrayList<>();
        seen.forEach((k, at) -> {
            Long s = sent.get(k);
            if (s != null) {
                ms.add((at - s) / 1000.0);
            }
        });
        return Stats.of(ms);
    }

    /**
     * A full collection between setup and the measured phase (as JMH does between iterations): what the setup left
     * live (1,000 queued prompts in the in-process fake and the engine) is promoted now, instead of being copied by
     * every young collection of the measured phase, where each copy is a stall of every thread on two cores.
     */
    static void settleHeap() {
        System.gc();
    }

    /** {@code n} prompts one after another on a warm socket. */
    Results.Sequential sequential(double timeScale, int warmUp, int n) throws Exception {
        try (FakeComfyUI fake = fake(timeScale); ComfyClient comfy = ComfyClient.create()) {
            ServerConfig server = ServerConfig.of(fake.baseUrl());
            for (int i = 0; i < warmUp; i++) {
                comfy.submit(server, PromptRequest.of(Workflows.variant(wf.txt2img, 100_000 + i)), null)
                        .result().get(60, TimeUnit.SECONDS);
            }
            fake.journal().clear();
            settleHeap();
            Map<String, Long> steps = new ConcurrentHashMap<>();
            List<long[]> windows = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            int ok = 0;
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long t0 = micros();
                PromptHandle h = comfy.submit(server, PromptRequest.of(Workflows.variant(wf.txt2img, i)), stepTimes(steps));
                PromptResult r = h.result().get(60, TimeUnit.SECONDS);
                long t1 = micros();
                windows.add(new long[]{t0, t1});
                ids.add(r.promptId());
                ok += r.isSuccess() ? 1 : 0;
            }
            double secs = (System.nanoTime() - start) / 1e9;
            Timeline t = Timeline.inProcess(fake.journal().entries());
            Map<String, Long> terminal = t.firstSent("execution_success");
            List<Double> term = new ArrayList<>();
            List<Double> reqs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Long sent = terminal.get(ids.get(i));
                if (sent != null) {
                    term.add((windows.get(i)[1] - sent) / 1000.0);
                }
                reqs.add((double) t.requestsBetween(windows.get(i)[0], windows.get(i)[1]).size());
            }
            return new Results.Sequential(n, ok, Stats.of(term), progressLatency(t, steps), Stats.of(reqs), n / secs,
                    ok == n ? "success" : (n - ok) + " of " + n + " failed");
        }
    }

    /** Throughput at full speed with {@code concurrency} prompts in flight. */
    double runsPerSecond(int n, int concurrency) throws Exception {
        try (FakeComfyUI fake = fake(1_000_000); ComfyClient comfy = ComfyClient.create()) {
            fake.journal().recordFrames(false);
            ServerConfig server = ServerConfig.of(fake.baseUrl());
            comfy.submit(server, PromptRequest.of(Workflows.variant(wf.txt2img, -1)), null).result().get(60, TimeUnit.SECONDS);
            return throughput(comfy, server, wf.txt2img, 0, n, concurrency, new AtomicInteger());
        }
    }

    /** Runs prompts {@code from..from+n} keeping {@code concurrency} in flight; returns completed runs per second. */
    private static double throughput(ComfyClient comfy, ServerConfig server, ObjectNode graph, int from, int n,
                                     int concurrency, AtomicInteger failures) throws InterruptedException {
        Semaphore slots = new Semaphore(concurrency);
        long start = System.nanoTime();
        for (int i = from; i < from + n; i++) {
            slots.acquire();
            comfy.submit(server, PromptRequest.of(Workflows.variant(graph, i)), null).result().whenComplete((r, e) -> {
                if (e != null || r.outcome() != Outcome.SUCCESS) {
                    failures.incrementAndGet();
                }
                slots.release();
            });
        }
        if (!slots.tryAcquire(concurrency, 5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("prompts did not complete within 5 minutes");
        }
        slots.release(concurrency);
        return n / ((System.nanoTime() - start) / 1e9);
    }

    /**
     * {@code n} prompts in flight on one shared socket: the server is held by a gate prompt until all are queued,
     * then released; progress latency is measured while the first ten run (so at least n-9 stay in flight).
     */
    Results.InFlight inFlight(int n) throws Exception {
        try (FakeComfyUI fake = fake(100); ComfyClient comfy = ComfyClient.create()) {
            String base = fake.baseUrl().toString().replaceAll("/$", "");
            ServerConfig server = ServerConfig.of(fake.baseUrl());
            comfy.submit(server, PromptRequest.of(Workflows.variant(wf.txt2img, -1)), null).result().get(60, TimeUnit.SECONDS);
            String gate = "bench-gate-" + n;
            wf.postGate(http, base, gate);
            fake.journal().clear();
            Map<String, Long> steps = new ConcurrentHashMap<>();
            CountDownLatch firstTen = new CountDownLatch(Math.min(n, 10));
            AtomicInteger completed = new AtomicInteger();
            AtomicInteger queuedEvents = new AtomicInteger();
            ProgressListener listener = stepTimes(steps).andThen(e -> {
                if (e instanceof PromptEvent.Queued) {
                    queuedEvents.incrementAndGet();
                }
            });
            for (int i = 0; i < n; i++) {
                comfy.submit(server, PromptRequest.of(Workflows.variant(wf.txt2img, i)), listener).result()
                        .thenRun(() -> {
                            completed.incrementAndGet();
                            firstTen.countDown();
                        });
            }
            boolean queued = Workflows.awaitQueued(http, base, n + 1, Duration.ofSeconds(60));
            int queuedBefore = queuedEvents.get();
            settleHeap();
            Workflows.interrupt(http, base, gate);
            boolean done = firstTen.await(120, TimeUnit.SECONDS);
            queuedDuringMeasure.put(n, queuedEvents.get() - queuedBefore);
            Timeline t = Timeline.inProcess(fake.journal().entries());
            String outcome = !queued ? "not all queued within 60 s" : done ? "success" : "first 10 not done within 120 s";
            return new Results.InFlight(n, completed.get(), progressLatency(t, steps), null, outcome);
        }
    }

    /** Polling mode: HTTP requests per second over a 10 s window with {@code n} prompts in flight. */
    Results.Polling polling(int n, double windowSeconds) throws Exception {
        try (FakeComfyUI fake = fake(1); ComfyClient comfy = ComfyClient.create()) {
            fake.scenario().stepsPerSecond("KSampler", 0.5); // every prompt outlasts the window
            ServerConfig server = ServerConfig.of(fake.baseUrl()).withMode(TrackingMode.POLL_ONLY);
            CountDownLatch accepted = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                comfy.submit(server, PromptRequest.of(Workflows.variant(wf.txt2img, i)), e -> {
                    if (e instanceof PromptEvent.Submitted) {
                        accepted.countDown();
                    }
                });
            }
            if (!accepted.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException(n + " prompts were not accepted within 60 s");
            }
            Workflows.pause(1000); // let the first polling tick settle
            long from = micros();
            Workflows.pause((long) (windowSeconds * 1000));
            long to = micros();
            return polling(n, windowSeconds, Timeline.inProcess(fake.journal().entries()).requestsBetween(from, to));
        }
    }

    /** What queue positions cost on a busy shared server: our {@code GET /queue} requests and the bytes they read. */
    record QueueCost(int foreign, int kilobytes, double seconds, int queueRequests, long queueBytes) {
        com.fasterxml.jackson.databind.node.ObjectNode toJson() {
            com.fasterxml.jackson.databind.node.ObjectNode o = com.fasterxml.jackson.databind.json.JsonMapper.builder()
                    .build().createObjectNode();
            o.put("foreign_prompts", foreign);
            o.put("foreign_prompt_kb", kilobytes);
            o.put("seconds", Stats.round(seconds));
            o.put("queue_requests", queueRequests);
            o.put("queue_bytes", queueBytes);
            return o;
        }
    }

    /**
     * One prompt of ours waits behind a long-running foreign one while another client queues {@code foreign} prompts
     * of {@code kb} KB each (a UI workflow in extra_data), one every 100 ms, then 2 s of quiet: every queue change is
     * a status broadcast to our socket. Counts our {@code GET /queue} requests and the bytes of their answers.
     */
    QueueCost queueCost(int foreign, int kb) throws Exception {
        try (FakeComfyUI fake = fake(20); ComfyClient comfy = ComfyClient.create()) {
            fake.scenario().stepsPerSecond("KSampler", 0.01); // nothing ends during the measurement
            fake.journal().recordFrames(false);
            String base = fake.baseUrl().toString();
            postForeign(base, Workflows.variant(wf.txt2img, -10), null);
            PromptHandle ours = comfy.submit(ServerConfig.of(fake.baseUrl()),
                    PromptRequest.of(Workflows.variant(wf.txt2img, -11)), null);
            long until = System.nanoTime() + 30_000_000_000L;
            while (ours.progress().queuePosition() == 0 && System.nanoTime() < until) {
                Workflows.pause(20);
            }
            fake.journal().clear();
            String padding = "x".repeat(kb * 1024);
            long start = System.nanoTime();
            for (int i = 0; i < foreign; i++) {
                postForeign(base, Workflows.variant(wf.txt2img, 20_000 + i), padding);
                Workflows.pause(100);
            }
            Workflows.pause(2000);
            double secs = (System.nanoTime() - start) / 1e9;
            int requests = 0;
            long bytes = 0;
            for (io.comfyrun.fake.journal.JournalEntry e : fake.journal().entries()) {
                if (e.kind() == io.comfyrun.fake.journal.JournalEntry.Kind.HTTP_RESPONSE && "GET".equals(e.method())
                        && e.path() != null && e.path().replaceAll("\\?.*", "").endsWith("/queue")) {
                    requests++;
                    bytes += e.text() == null ? 0 : e.text().length();
                }
            }
            ours.cancel();
            return new QueueCost(foreign, kb, secs, requests, bytes);
        }
    }

    private void postForeign(String base, ObjectNode graph, String uiWorkflow) throws IOException {
        ObjectNode body = com.fasterxml.jackson.databind.json.JsonMapper.builder().build().createObjectNode();
        body.set("prompt", graph);
        body.put("client_id", "bench-other-user");
        if (uiWorkflow != null) {
            body.putObject("extra_data").putObject("extra_pnginfo").put("workflow", uiWorkflow);
        }
        Workflows.call(http, "POST", base.replaceAll("/$", "") + "/prompt", body.toString());
    }

    static Results.Polling polling(int n, double windowSeconds, List<Timeline.Entry> requests) {
        Map<String, Integer> byRoute = new TreeMap<>();
        for (Timeline.Entry e : requests) {
            String p = e.path().replaceAll("\\?.*", "").replaceAll("/history/.+", "/history/{id}");
            byRoute.merge(e.method() + " " + p, 1, Integer::sum);
        }
        return new Results.Polling(n, windowSeconds, requests.size(), byRoute);
    }

    /** The txt2img's KSampler runs 20 steps: the reset comes with its last progress frame. */
    static final int LAST_STEP = 20;

    /**
     * The socket is reset as the sampler's last step is sent (the end of the run: VAE decode, save and every
     * terminal frame are lost); reconnects are refused for 2 s (real time).
     */
    Results.Reconnect reconnect(int runs) throws Exception {
        double scale = 10;
        try (FakeComfyUI fake = fake(scale); ComfyClient comfy = ComfyClient.create()) {
            ServerConfig server = ServerConfig.of(fake.baseUrl()).withClientId("bench-reconnect");
            comfy.submit(server, PromptRequest.of(Workflows.variant(wf.txt2img, -1)), null).result().get(60, TimeUnit.SECONDS);
            Recovery rec = new Recovery();
            int finished = 0;
            for (int i = 0; i < runs; i++) {
                fake.journal().clear();
                fake.faults().wsDrop(Trigger.onEvent("progress", LAST_STEP).forClient("bench-reconnect"), WsAction.RST,
                        2_000 * scale);
                PromptResult r = comfy.submit(server, PromptRequest.of(Workflows.variant(wf.txt2img, i)), null)
                        .result().get(30, TimeUnit.SECONDS);
                long done = micros();
                finished += r.isSuccess() ? 1 : 0;
                // The engine may answer before the socket is back (HTTP reconcile); wait for it to compare both.
                long until = System.nanoTime() + 10_000_000_000L;
                while (socketBackAfterDrop(Timeline.inProcess(fake.journal().entries())) == null && System.nanoTime() < until) {
                    Workflows.pause(50);
                }
                rec.add(Timeline.inProcess(fake.journal().entries()), done);
            }
            return rec.result(runs, finished, finished == runs ? "success" : "some failed");
        }
    }

    /** Collects result times against the injected reset and the socket's return. */
    static final class Recovery {
        final List<Double> afterBack = new ArrayList<>();
        final List<Double> afterDrop = new ArrayList<>();
        int notBackFirst;
        int beforeDrop;

        void add(Timeline t, long done) {
            Long drop = dropTime(t);
            Long back = socketBackAfterDrop(t);
            if (drop == null || done < drop) {
                beforeDrop++;
                return;
            }
            afterDrop.add((done - drop) / 1000.0);
            if (back == null || done < back) {
                notBackFirst++;
            }
            if (back != null) {
                afterBack.add((done - back) / 1000.0);
            }
        }

        Results.Reconnect result(int runs, int finished, String outcome) {
            return new Results.Reconnect(runs, finished, Stats.of(afterBack), Stats.of(afterDrop), notBackFirst,
                    beforeDrop, outcome);
        }
    }

    static Long dropTime(Timeline t) {
        for (Timeline.Entry e : t.entries) {
            if ("FAULT".equals(e.kind()) && e.type() != null && e.type().startsWith("ws_")
                    && !"ws_refuse_upgrade".equals(e.type())) {
                return e.micros();
            }
        }
        return null;
    }

    /** First WebSocket opened after the injected drop, or null. */
    static Long socketBackAfterDrop(Timeline t) {
        Long fault = null;
        for (Timeline.Entry e : t.entries) {
            if (fault == null && "FAULT".equals(e.kind()) && e.type() != null && e.type().startsWith("ws_")
                    && !"ws_refuse_upgrade".equals(e.type())) {
                fault = e.micros();
            } else if (fault != null && "WS_OPEN".equals(e.kind())) {
                return e.micros();
            }
        }
        return null;
    }

    /** Console lines of a two-hour, 3,000-step training run, everything on virtual time. */
    int[] trainingLines(double timeScale) throws Exception {
        try (FakeComfyUI fake = fake(timeScale);
             ComfyClient comfy = ComfyClient.builder()
                     .heartbeat(Duration.ofNanos((long) (30e9 / timeScale))) // 30 s of virtual time
                     .build()) {
            fake.journal().recordFrames(false);
            Instant origin = Instant.now();
            long nanoOrigin = System.nanoTime();
            // The log's throttles (5 s step lines, heartbeats) must see virtual time, as a real two-hour run would.
            InstantSource virtual = () -> origin.plusNanos((long) ((System.nanoTime() - nanoOrigin) * timeScale));
            AtomicInteger lines = new AtomicInteger();
            AtomicInteger steps = new AtomicInteger();
            List<String> sample = new ArrayList<>();
            ProgressLog log = ProgressLog.builder(line -> {
                if (lines.incrementAndGet() <= 5) {
                    sample.add(line);
                }
            }).clock(virtual).build();
            PromptResult r = comfy.submit(ServerConfig.of(fake.baseUrl()), PromptRequest.of(wf.training),
                    log.andThen(e -> {
                        if (e instanceof PromptEvent.StepProgress) {
                            steps.incrementAndGet();
                        }
                    })).result().get(120, TimeUnit.SECONDS);
            if (!r.isSuccess()) {
                throw new IllegalStateException("training prompt ended " + r.outcome() + ": " + r.errors());
            }
            return new int[]{lines.get(), steps.get()};
        }
    }

    /**
     * Retained heap per in-flight prompt against the standalone fake (so the server's memory is not in this JVM):
     * used heap after GC before and after submitting {@code n} prompts that stay queued behind a gate.
     */
    double heapPerInFlight(FakeProcess server, int n) throws Exception {
        try (ComfyClient comfy = ComfyClient.create()) {
            ServerConfig cfg = ServerConfig.of(server.baseUrl);
            for (int i = 0; i < 3; i++) {
                comfy.submit(cfg, PromptRequest.of(Workflows.variant(wf.txt2img, -1 - i)), null).result().get(60, TimeUnit.SECONDS);
            }
            String gate = "bench-heap-gate";
            wf.postGate(http, server.baseUrl, gate);
            long before = usedHeapAfterGc();
            histogram("before");
            CountDownLatch accepted = new CountDownLatch(n);
            List<PromptHandle> handles = new ArrayList<>(n); // the caller keeps its handles, as a Jenkins step would
            for (int i = 0; i < n; i++) {
                handles.add(comfy.submit(cfg, PromptRequest.of(Workflows.variant(wf.txt2img, i)), e -> {
                    if (e instanceof PromptEvent.Submitted) {
                        accepted.countDown();
                    }
                }));
            }
            if (!accepted.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException(n + " prompts were not accepted within 60 s");
            }
            long after = usedHeapAfterGc();
            histogram("after");
            double per = (after - before) / (double) handles.size();
            Workflows.interrupt(http, server.baseUrl, gate);
            return per;
        }
    }

    /** Heap after {@code warm} completed prompts and after {@code total}; tiny graph, full speed, standalone fake. */
    long[] heapGrowth(FakeProcess server, int warm, int total, int concurrency) throws Exception {
        try (ComfyClient comfy = ComfyClient.create()) {
            ServerConfig cfg = ServerConfig.of(server.baseUrl);
            AtomicInteger failures = new AtomicInteger();
            throughput(comfy, cfg, wf.tiny, 0, warm, concurrency, failures);
            long baseline = usedHeapAfterGc();
            long start = System.nanoTime();
            throughput(comfy, cfg, wf.tiny, warm, total - warm, concurrency, failures);
            long secs = (System.nanoTime() - start) / 1_000_000_000L;
            long after = usedHeapAfterGc();
            return new long[]{baseline, after, failures.get(), secs};
        }
    }

    /**
     * With {@code -Dbench.histogram=DIR}: the live-object class histogram written to {@code DIR/<label>.txt}, to find
     * what a per-prompt figure is made of (diff the two files); nothing otherwise.
     */
    private static void histogram(String label) throws Exception {
        String dir = System.getProperty("bench.histogram");
        if (dir == null) {
            return;
        }
        Object text = ManagementFactory.getPlatformMBeanServer().invoke(
                new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[]{new String[0]}, new String[]{String[].class.getName()});
        java.nio.file.Files.writeString(java.nio.file.Path.of(dir, label + ".txt"), String.valueOf(text));
    }

    /** Used heap after full collections: the smallest of three readings (MemoryMXBean). */
    static long usedHeapAfterGc() {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Workflows.pause(200);
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    /** In-process start: builder → listening; the first one pays class loading. */
    static double[] inProcessStart(int warm) {
        double[] ms = new double[warm + 1];
        for (int i = 0; i <= warm; i++) {
            long t0 = System.nanoTime();
            FakeComfyUI f = FakeComfyUI.builder().port(0).start();
            ms[i] = (System.nanoTime() - t0) / 1e6;
            f.close();
        }
        return ms;
    }
}
