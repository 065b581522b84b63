package io.comfyrun.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.ConnectionState;
import io.comfyrun.client.Deadlines;
import io.comfyrun.client.PromptRequest;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.ServerConnection;
import io.comfyrun.client.pool.PooledPrompt;
import io.comfyrun.client.pool.ServerPool;
import io.comfyrun.client.progress.ProgressListener;
import io.comfyrun.client.progress.PromptEvent;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.journal.JournalEntry;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue 12's scale figures: one engine, a pool of in-process fake servers, many prompts with uneven lengths
 * (KSampler steps drawn from a seeded random, so a server can fall behind), a bounded number in flight as a batch
 * would keep. The same batch routed round-robin (each prompt to the next server in turn) is the baseline for the
 * routing quality; a third run kills one server when 30% of the prompts are done.
 */
final class PoolBench {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** How prompts are given to servers. */
    enum Routing { POOL, ROUND_ROBIN }

    /**
     * One run's figures.
     *
     * @param spreadMean  mean over samples of (deepest queue - shallowest queue) across the servers, from the
     *                    queue_remaining the sockets reported
     * @param idealSeconds the sum of every prompt's execution time (start to result) divided by the server count
     */
    record Run(String name, int servers, int prompts, int concurrency, long websocketUpgrades, int connectionsOpenAtEnd,
               double engineCpuMsPerPrompt, long heapPeakBytes, long heapRetainedBytes, double requestsPerPrompt,
               Map<String, Integer> requestsByRoute, int completed, int succeeded, int notCompleted, int postedTwice,
               int postedNowhere, Map<String, Integer> outcomes, double spreadMean, double spreadP95, int spreadMax,
               double drainSeconds, double idealSeconds, Map<String, Integer> promptsPerServer, int acceptedByKilled) {

        ObjectNode toJson() {
            return JSON.valueToTree(this);
        }
    }

    private final Workflows wf;

    PoolBench(Workflows wf) {
        this.wf = wf;
    }

    /** The prompt of index i: txt2img with an uneven, seeded step count. */
    private ObjectNode prompt(int i, Random random) {
        ObjectNode w = Workflows.variant(wf.txt2img, i);
        w.properties().forEach(e -> {
            if ("KSampler".equals(e.getValue().path("class_type").asText())) {
                ((ObjectNode) e.getValue().path("inputs")).put("steps", 5 + random.nextInt(36)); // 5..40
            }
        });
        return w;
    }

    Run run(String name, Routing routing, int servers, int prompts, int concurrency, double timeScale, boolean killOne)
            throws Exception {
        List<FakeComfyUI> fakes = new ArrayList<>();
        for (int i = 0; i < servers; i++) {
            FakeComfyUI f = FakeComfyUI.builder().port(0).timeScale(timeScale).seed(100 + i).journalCapacity(400_000).start();
            f.journal().recordFrames(false);
            fakes.add(f);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Deadlines deadlines = Deadlines.DEFAULTS.withConnect(Duration.ofSeconds(5)).withSubmit(Duration.ofSeconds(10))
                .withNoSignal(Duration.ofSeconds(10));
        Random random = new Random(12);
        List<ObjectNode> graphs = new ArrayList<>();
        for (int i = 0; i < prompts; i++) {
            graphs.add(prompt(i, random));
        }
        System.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();
        try (ComfyClient comfy = ComfyClient.create()) {
            List<ServerConfig> configs = fakes.stream().map(f -> ServerConfig.of(f.baseUrl())).toList();
            ServerPool.Builder b = ServerPool.builder("bench");
            for (int i = 0; i < servers; i++) {
                b.member("gpu-" + (i + 1), configs.get(i));
            }
            ServerPool pool = b.build(comfy);
            Map<String, Long> started = new ConcurrentHashMap<>();
            Map<String, Long> executed = new ConcurrentHashMap<>();
            List<CompletableFuture<PromptResult>> results = new ArrayList<>();
            Semaphore slots = new Semaphore(concurrency);
            AtomicInteger done = new AtomicInteger();
            long cpu0 = os.getProcessCpuTime();
            long fakeCpu0 = fakeCpu(threads);
            long t0 = System.nanoTime();
            Sampler sampler = new Sampler(comfy, configs, memory);
            sampler.start();
            FakeComfyUI killed = null;
            List<String> acceptedByKilled = List.of();
            for (int i = 0; i < prompts; i++) {
                slots.acquire();
                if (killOne && killed == null && done.get() >= prompts * 3 / 10) {
                    killed = fakes.get(servers - 1);
                    acceptedByKilled = postedIds(killed);
                    killed.close();
                }
                ProgressListener timing = e -> {
                    if (e instanceof PromptEvent.Started s) {
                        started.putIfAbsent(s.promptId(), System.nanoTime());
                    } else if (e instanceof PromptEvent.Finished f && f.result().isSuccess()) {
                        Long s = started.get(f.promptId());
                        if (s != null) {
                            executed.put(f.promptId(), System.nanoTime() - s);
                        }
                    }
                };
                PromptRequest request = new PromptRequest(graphs.get(i), deadlines, null);
                CompletableFuture<PromptResult> r;
                if (routing == Routing.POOL) {
                    PooledPrompt p = pool.submit(request, timing);
                    r = p.result();
                } else {
                    r = comfy.submit(configs.get(i % servers), request, timing).result();
                }
                r.whenComplete((x, e) -> {
                    done.incrementAndGet();
                    slots.release();
                });
                results.add(r);
            }
            boolean all = slots.tryAcquire(concurrency, 10, TimeUnit.MINUTES);
            double drain = (System.nanoTime() - t0) / 1e9;
            sampler.stop();
            long cpuNanos = (os.getProcessCpuTime() - cpu0) - (fakeCpu(threads) - fakeCpu0);
            System.gc();
            long heapAfter = memory.getHeapMemoryUsage().getUsed();
            int open = 0;
            for (ServerConfig c : configs) {
                if (comfy.servers().connection(c).state() == ConnectionState.OPEN) {
                    open++;
                }
            }
            // what the servers saw
            long upgrades = 0;
            Map<String, Integer> byRoute = new TreeMap<>();
            List<String> posted = new ArrayList<>();
            Map<String, Integer> perServer = new TreeMap<>();
            for (int i = 0; i < servers; i++) {
                FakeComfyUI f = fakes.get(i);
                List<String> ids = postedIds(f); // a killed fake's journal still holds what it saw before the kill
                perServer.put("gpu-" + (i + 1), ids.size());
                posted.addAll(ids);
                for (JournalEntry e : f.journal().entries()) {
                    if (e.kind() == JournalEntry.Kind.WS_OPEN) {
                        upgrades++;
                    } else if (e.kind() == JournalEntry.Kind.HTTP_REQUEST && e.path() != null && !e.path().startsWith("/ws")) {
                        byRoute.merge(e.method() + " " + route(e.path()), 1, Integer::sum);
                    }
                }
            }
            Set<String> distinct = new HashSet<>(posted);
            Map<String, Integer> outcomes = new TreeMap<>();
            int completed = 0;
            int succeeded = 0;
            Set<String> resultIds = new HashSet<>();
            for (CompletableFuture<PromptResult> f : results) {
                PromptResult r = f.getNow(null);
                if (r != null) {
                    completed++;
                    outcomes.merge(r.outcome().label(), 1, Integer::sum);
                    if (r.isSuccess()) {
                        succeeded++;
                    }
                    resultIds.add(r.promptId());
                }
            }
            int postedNowhere = 0;
            for (CompletableFuture<PromptResult> f : results) {
                PromptResult r = f.getNow(null);
                if (r != null && r.isSuccess() && !distinct.contains(r.promptId())) {
                    postedNowhere++;
                }
            }
            long totalRequests = byRoute.values().stream().mapToLong(Integer::longValue).sum();
            double workSeconds = executed.values().stream().mapToLong(Long::longValue).sum() / 1e9;
            Run run = new Run(name, servers, prompts, concurrency, upgrades, open, cpuNanos / 1e6 / prompts,
                    sampler.heapPeak - heapBefore, heapAfter - heapBefore, (double) totalRequests / prompts, byRoute,
                    completed, succeeded, all ? prompts - completed : prompts - completed, posted.size() - distinct.size(),
                    postedNowhere, outcomes, sampler.spreadMean(), sampler.spreadP95(), sampler.spreadMax, drain,
                    workSeconds / servers, perServer, acceptedByKilled.size());
            return run;
        } finally {
            fakes.forEach(FakeComfyUI::close);
        }
    }

    private static String route(String path) {
        String p = path.replaceAll("\\?.*", "");
        return p.replaceAll("/[0-9a-f]{8}-[0-9a-f-]{27}", "/{id}");
    }

    private static List<String> postedIds(FakeComfyUI f) throws Exception {
        List<String> ids = new ArrayList<>();
        for (JournalEntry e : f.journal().requests("POST", "/prompt")) {
            JsonNode body = JSON.readTree(e.text());
            ids.add(body.path("prompt_id").asText());
        }
        return ids;
    }

    /** CPU time of the fake servers' own threads (they live from start to close), to subtract from the process's. */
    private static long fakeCpu(ThreadMXBean threads) {
        long sum = 0;
        for (ThreadInfo info : threads.dumpAllThreads(false, false)) {
            if (info.getThreadName().startsWith("fake-comfyui")) {
                long t = threads.getThreadCpuTime(info.getThreadId());
                if (t > 0) {
                    sum += t;
                }
            }
        }
        return sum;
    }

    /**
     * Samples every 100 ms what routing itself sees (the sockets' queue_remaining; no request) and the heap. This is
     * the benchmark's instrument, not part of the engine.
     */
    private static final class Sampler {
        private final ComfyClient comfy;
        private final List<ServerConfig> configs;
        private final MemoryMXBean memory;
        private final List<Integer> spreads = new ArrayList<>();
        private final Thread thread;
        private volatile boolean running = true;
        long heapPeak;
        int spreadMax;

        Sampler(ComfyClient comfy, List<ServerConfig> configs, MemoryMXBean memory) {
            this.comfy = comfy;
            this.configs = configs;
            this.memory = memory;
            this.thread = new Thread(this::loop, "bench-sampler");
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(5_000);
        }

        private void loop() {
            while (running) {
                int min = Integer.MAX_VALUE;
                int max = 0;
                int known = 0;
                for (ServerConfig c : configs) {
                    ServerConnection conn = comfy.servers().connection(c);
                    if (conn.state() != ConnectionState.OPEN) {
                        continue; // a server not (or no longer) reporting: its depth is unknown
                    }
                    int q = Math.max(0, conn.queueRemaining());
                    min = Math.min(min, q);
                    max = Math.max(max, q);
                    known++;
                }
                if (known > 1) {
                    synchronized (spreads) {
                        spreads.add(max - min);
                    }
                    spreadMax = Math.max(spreadMax, max - min);
                }
                heapPeak = Math.max(heapPeak, memory.getHeapMemoryUsage().getUsed());
                Workflows.pause(100);
            }
        }

        double spreadMean() {
            synchronized (spreads) {
                return spreads.stream().mapToInt(Integer::intValue).average().orElse(0);
            }
        }

        double spreadP95() {
            synchronized (spreads) {
                List<Integer> s = new ArrayList<>(spreads);
                s.sort(null);
                return s.isEmpty() ? 0 : s.get((int) Math.min(s.size() - 1, Math.ceil(s.size() * 0.95) - 1));
            }
        }
    }

    /** The three runs of the report. */
    record Runs(Run pool, Run roundRobin, Run killed) {
        ObjectNode toJson() {
            ObjectNode o = JSON.createObjectNode();
            o.set("pool", pool.toJson());
            o.set("round_robin", roundRobin.toJson());
            o.set("one_killed", killed.toJson());
            return o;
        }
    }

    /** Time scale of the fakes: a 20-step txt2img takes about a quarter of a second. */
    static final double TIME_SCALE = 200;

    Runs all(boolean quick) throws Exception {
        int n = quick ? 200 : 1000;
        int concurrency = 40; // 4 per server, as a batch with a concurrency limit keeps
        run("warm-up (not reported)", Routing.POOL, 10, quick ? 100 : 300, concurrency, TIME_SCALE, false); // JIT, sockets code
        Run rr = run("round-robin", Routing.ROUND_ROBIN, 10, n, concurrency, TIME_SCALE, false);
        Run pool = run("pool", Routing.POOL, 10, n, concurrency, TIME_SCALE, false);
        Run killed = run("pool, one server killed at 30%", Routing.POOL, 10, n, concurrency, TIME_SCALE, true);
        return new Runs(pool, rr, killed);
    }
}
