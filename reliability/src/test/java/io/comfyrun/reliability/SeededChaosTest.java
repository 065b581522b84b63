package io.comfyrun.reliability;

import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.ComfyHttpApi;
import io.comfyrun.client.Outcome;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.PromptHandle;
import io.comfyrun.client.PromptRequest;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.ServerAuth;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.scenario.Fault;
import io.comfyrun.reliability.ChaosSchedule.FaultPlan;
import io.comfyrun.reliability.ChaosSchedule.Kind;
import io.comfyrun.reliability.ChaosSchedule.PromptPlan;
import io.comfyrun.reliability.ChaosSchedule.Script;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import io.comfyrun.client.ViewResponse;
import io.comfyrun.client.files.DownloadedFile;
import io.comfyrun.client.files.LocalDirectorySink;
import io.comfyrun.client.files.OutputDownloader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Seeded chaos: random fault schedules across up to four concurrent prompts on two servers, both tracking
 * modes. Every prompt must reach an allowed outcome before its deadline, be accepted exactly once, report
 * exactly the outputs the server wrote, and leave no subscription; after the whole run no thread or socket may
 * be left. The number of schedules is {@code jqwik.tries.default} (500; {@code -Dchaos.tries=10000} for the
 * long mode). A failure prints jqwik's seed and the schedule; re-run it with {@code @Property(seed = "...")}
 * and keep it as a named {@code @Example} here.
 */
class SeededChaosTest {

    static final double TIME_SCALE = 100;
    static final Duration PROMPT_DEADLINE = Duration.ofSeconds(30);

    private static final AtomicInteger SCHEDULES = new AtomicInteger();
    private static final AtomicInteger PROMPTS = new AtomicInteger();
    private static final AtomicInteger FAULTS = new AtomicInteger();
    private static final java.util.Map<Outcome, AtomicInteger> OUTCOMES = new java.util.concurrent.ConcurrentHashMap<>();
    private static final List<String> FAILURES = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static long startedAt;
    private static final AtomicInteger FILES_COMPARED = new AtomicInteger();
    private static final AtomicInteger FIRST_DOWNLOAD_FAILURES = new AtomicInteger();
    private static final AtomicInteger CHECKPOINTS = new AtomicInteger();
    private static final AtomicInteger GENERATED = new AtomicInteger();
    static final int CHECK_EVERY = 25;
    private static int firstThreads = -1;
    private static long firstSockets;

    private static LeakProbe probe;
    private static FakeComfyUI[] fakes;
    private static ComfyClient client;

    @BeforeContainer
    static void start() throws Exception {
        CaseRunner.warmUp();
        probe = LeakProbe.capture();
        startedAt = System.nanoTime();
        fakes = new FakeComfyUI[] {
                FakeComfyUI.builder().port(0).timeScale(TIME_SCALE).seed(1).start(),
                FakeComfyUI.builder().port(0).timeScale(TIME_SCALE).seed(2).start()};
        client = CaseRunner.newClient();
    }

    @AfterContainer
    static void stop() {
        client.close();
        for (FakeComfyUI f : fakes) {
            f.close();
        }
        String leaks = probe.awaitSettled(Duration.ofSeconds(20));
        long seconds = (System.nanoTime() - startedAt) / 1_000_000_000L;
        StringBuilder b = new StringBuilder();
        int generated = GENERATED.get();
        b.append("Run by `SeededChaosTest` (jqwik): **").append(generated).append(" generated fault schedules + ")
                .append(java.util.Arrays.stream(SeededChaosTest.class.getDeclaredMethods())
                        .filter(m -> m.isAnnotationPresent(net.jqwik.api.Example.class)).count())
                .append(" named regressions** (").append(SCHEDULES.get() - generated).append(" schedules), ")
                .append(PROMPTS.get()).append(" prompts, ").append(FAULTS.get()).append(" injected faults, ")
                .append(FILES_COMPARED.get()).append(" output files compared byte for byte with `/view` (")
                .append(FIRST_DOWNLOAD_FAILURES.get()).append(" first downloads failed cleanly under a fault), ")
                .append(FAILURES.size()).append(" failing schedules, ").append(seconds).append(" s wall-clock.")
                .append(" Outcomes seen: ").append(new java.util.TreeMap<>(OUTCOMES)).append(".\n\n")
                .append("""
                        Each schedule puts 1-4 concurrent prompts (random steps, WebSocket or polling, some scripted to
                        fail or be interrupted on the server) on two fake servers (virtual time x%s) shared for the whole
                        run, and 0-4 random server faults: WebSocket close/FIN/RST/half-close/stall/malformed/unknown/
                        invalid/oversized (4 MiB text or binary preview) frames on a random outgoing message, refused upgrades, HTTP
                        503/reset/empty/truncated/delayed answers to `POST /prompt`, `GET /queue`, `GET /history` or
                        `GET /view` (the downloads), the non-terminal `ExecutionBlocked` error on an output node or on
                        the decoder feeding both, delayed history writes and restarts at a random moment.
                        Invariants: every prompt ends within %d s with an allowed outcome (its scripted one; `lost` too
                        on a server that really restarted; `success` for a prompt scripted to fail or be interrupted
                        only if the restart wiped it before its own fault fired, or wiped the copy it fired in and a
                        re-post ran clean; `rejected` after three 5xx answers to its POST), exactly one accepted
                        `POST /prompt` per prompt id (a second one only when a server restart wiped the first copy in
                        between), the reported outputs equal the server's history outputs, every output file of a
                        successful prompt downloads byte-identical to `/view` (a download made while the schedule's
                        faults are live may fail, but only with an error naming the file and nothing partial left), no
                        subscription left after each schedule, threads and sockets not growing past the first
                        checkpoint at every %d schedules (%d checkpoints), no thread or socket left after the run%s.

                        Named regressions (`@Example` methods in `SeededChaosTest`): the reconnect-gap output loss came
                        from the fault matrix, not from a jqwik run; two failed in jqwik runs whose seeds were not
                        recorded (the report then printed the schedule only), so they are kept as their written-out
                        schedules; the cached-sampler one failed in the run with seed 4404723706403656084 (it runs
                        two schedules). A failing schedule now records the schedule in this section and jqwik
                        prints its seed on stdout.

                        Long mode (at least 10,000 schedules): `mvn -B -pl reliability -am verify -Dtest=SeededChaosTest
                        -Dsurefire.failIfNoSpecifiedTests=false -Dchaos.tries=10000`. A failure prints jqwik's seed and
                        the schedule; replay it with `@Property(seed = "<seed>")` and keep it as a named `@Example` in `SeededChaosTest`.
                        """.formatted((long) TIME_SCALE, PROMPT_DEADLINE.toSeconds(), CHECK_EVERY, CHECKPOINTS.get(),
                        leaks.isEmpty() ? " (none seen)" : " (**" + leaks + "**)"));
        if (!FAILURES.isEmpty()) {
            b.append("\nFailing schedules:\n");
            FAILURES.forEach(f -> b.append("- ").append(f.replace("\n", " ")).append('\n'));
        }
        ReliabilityDoc.writeSection(ReliabilityDoc.CHAOS, b.toString());
        if (!leaks.isEmpty()) {
            throw new AssertionError("chaos run left resources behind: " + leaks);
        }
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void everyPromptEndsCorrectlyUnderRandomFaults(@ForAll("schedules") ChaosSchedule schedule) throws Exception {
        GENERATED.incrementAndGet();
        List<String> problems = runSchedule(schedule);
        if (!problems.isEmpty()) {
            FAILURES.add(schedule + " -> " + problems);
            throw new AssertionError("schedule " + schedule + " broke: " + problems);
        }
    }

    // ------------------------------------------------------------------ named regressions
    // Every schedule that ever failed is kept here as a named example, written out so it survives generator changes.

    /**
     * Found by the fault matrix (ws_rst while queued): the socket dropped while the prompt waited, the first output
     * node's {@code executed} message went out during the reconnect gap, and success was reported with one of the
     * two outputs. Fixed in the engine: a success after a gap finishes from /history. No jqwik seed: written
     * from the matrix row.
     */
    @net.jqwik.api.Example
    void regressionOutputAnnouncedDuringAReconnectGapIsNotLost() throws Exception {
        ChaosSchedule s = new ChaosSchedule(
                List.of(new PromptPlan(0, false, 40, Script.NONE, 9001), new PromptPlan(0, false, 3, Script.NONE, 9002)),
                List.of(new FaultPlan(0, Kind.WS_RST, 1, "execution_start", "/queue", 3000)));
        List<String> problems = runSchedule(s);
        if (!problems.isEmpty()) {
            throw new AssertionError(problems.toString());
        }
    }

    /**
     * Failed once (jqwik run of the first 500-schedule CI run): a restart on server 1 after its prompt succeeded; the
     * harness's first /history request met the connection the restart had cut and misread it as "no outputs". Fixed
     * in the harness (ask until the server answers; a wiped history is allowed after a restart). jqwik seed: not
     * recorded (that run's report printed the schedule only, see commit 2ffb14f).
     */
    @net.jqwik.api.Example
    void regressionRestartAfterSuccessWithFaultsOnBothServers() throws Exception {
        ChaosSchedule s = new ChaosSchedule(
                List.of(new PromptPlan(0, true, 2, Script.INTERRUPT_AT_STEP, 2), new PromptPlan(0, false, 5, Script.NONE, 219),
                        new PromptPlan(1, false, 3, Script.NONE, 61)),
                List.of(new FaultPlan(1, Kind.RESTART, 3, "execution_success", "/history/*", 3000.0),
                        new FaultPlan(1, Kind.HTTP_EMPTY, 2, "execution_success", "/queue", 2.0),
                        new FaultPlan(0, Kind.WS_CLOSE_FRAME, 2, "execution_start", "/queue", 792.0),
                        new FaultPlan(0, Kind.WS_FIN, 2, "execution_start", "/queue", 11.0)));
        List<String> problems = runSchedule(s);
        if (!problems.isEmpty()) {
            throw new AssertionError(problems.toString());
        }
    }

    /**
     * Failed once: two restarts on server 1; a restart cut the answer to an accepted POST, wiped the queue, and the
     * engine, finding the prompt on neither /queue nor /history, posted it again. The first copy never ran (the
     * restart wiped it), so this is the intended recovery: the invariant now allows a re-post only across a restart.
     * jqwik seed: not recorded (the 468-schedule run of commit 2ffb14f listed the schedule, not the seed).
     */
    @net.jqwik.api.Example
    void regressionRestartCutsTheAnswerToAnAcceptedPost() throws Exception {
        ChaosSchedule s = new ChaosSchedule(
                List.of(new PromptPlan(0, true, 4, Script.NONE, 591), new PromptPlan(0, false, 6, Script.NONE, 5),
                        new PromptPlan(1, true, 6, Script.NONE, 4385266006281058187L),
                        new PromptPlan(0, false, 4, Script.NONE, 4904)),
                List.of(new FaultPlan(1, Kind.HTTP_DELAY, 2, "executing", "/queue", 169.0),
                        new FaultPlan(1, Kind.RESTART, 2, "execution_start", "/queue", 1501.0),
                        new FaultPlan(1, Kind.RESTART, 2, "progress", "/prompt", 5.0),
                        new FaultPlan(0, Kind.WS_CLOSE_FRAME, 2, "status", "/queue", 1937.0)));
        List<String> problems = runSchedule(s);
        if (!problems.isEmpty()) {
            throw new AssertionError(problems.toString());
        }
    }

    /**
     * Failed in the run with jqwik seed 4404723706403656084 (the first with the tightened outcome rule): prompt 2,
     * scripted to be interrupted at a sampler step, ended in success with its fault never fired. jqwik's edge-case
     * seed (Long.MAX_VALUE / 2) had already been used by an identical prompt earlier in the run, so the server
     * served the sampler from cache and there was no step to interrupt: the rule now accepts success when the
     * sampler was cached and the fault never fired. Run here twice so the second copy is the cached one.
     */
    @net.jqwik.api.Example
    void regressionScriptedInterruptOfACachedSampler() throws Exception {
        PromptPlan plain = new PromptPlan(1, true, 6, Script.NONE, Long.MAX_VALUE / 2);
        PromptPlan interrupted = new PromptPlan(1, true, 6, Script.INTERRUPT_AT_STEP, Long.MAX_VALUE / 2);
        List<String> problems = new ArrayList<>(runSchedule(new ChaosSchedule(List.of(plain), List.of())));
        problems.addAll(runSchedule(new ChaosSchedule(List.of(interrupted, new PromptPlan(1, false, 2, Script.NONE, 1420)),
                List.of(new FaultPlan(1, Kind.WS_INVALID_FRAME, 3, "executed", "/history/*", 972.0)))));
        if (!problems.isEmpty()) {
            throw new AssertionError(problems.toString());
        }
    }

    /**
     * Where a schedule runs: servers, engine, the credential configured (null: none), whether it counts in the
     * published chaos figures, and where the texts it produces go (results, result maps, errors, progress, events,
     * snapshots, download reports) for a scan; null: nowhere.
     */
    record Rig(FakeComfyUI[] fakes, ComfyClient client, ServerAuth auth, boolean counted,
               java.util.function.Consumer<String> texts) {

        ServerConfig server(FakeComfyUI fake, boolean polling) {
            ServerConfig s = CaseRunner.serverConfig(fake, polling);
            return auth == null ? s : s.withAuth(auth);
        }

        void text(Object o) {
            if (texts != null) {
                texts.accept(String.valueOf(o));
            }
        }

        void count(AtomicInteger counter) {
            if (counted) {
                counter.incrementAndGet();
            }
        }
    }

    /** Runs one schedule on the shared servers and engine; returns the invariants it broke. */
    static List<String> runSchedule(ChaosSchedule schedule) throws Exception {
        return runSchedule(schedule, new Rig(fakes, client, null, true, null));
    }

    /** Runs one schedule on {@code rig}; returns the invariants it broke. */
    static List<String> runSchedule(ChaosSchedule schedule, Rig rig) throws Exception {
        FakeComfyUI[] fakes = rig.fakes();
        ComfyClient client = rig.client();
        rig.count(SCHEDULES);
        for (FakeComfyUI f : fakes) {
            f.scenario().reset(); // faults and timings of the previous schedule
            f.journal().clear();
        }
        for (FaultPlan fp : schedule.faults()) {
            fakes[fp.server()].faults().add(fp.toFault());
            rig.count(FAULTS);
        }
        List<PromptHandle> handles = new ArrayList<>();
        List<io.comfyrun.fake.scenario.FaultControl.Installed[]> scripts = new ArrayList<>();
        for (PromptPlan p : schedule.prompts()) {
            io.comfyrun.fake.scenario.FaultControl.Installed[] script = new io.comfyrun.fake.scenario.FaultControl.Installed[1];
            scripts.add(script);
            rig.count(PROMPTS);
            FakeComfyUI fake = fakes[p.server()];
            ServerConfig server = rig.server(fake, p.polling());
            handles.add(client.submit(server, PromptRequest.of(Workflows.txt2img(p.seed(), p.steps()))
                    .withBeforeSubmit(s -> {
                        Fault f = p.scriptFault(s.promptId());
                        if (f != null) {
                            script[0] = fake.faults().add(f);
                        }
                    }), rig.texts() == null ? null : rig::text));
        }
        List<String> problems = new ArrayList<>();
        try {
            CompletableFuture.allOf(handles.stream().map(PromptHandle::result).toArray(CompletableFuture[]::new))
                    .get(PROMPT_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            for (int i = 0; i < handles.size(); i++) {
                if (!handles.get(i).result().isDone()) {
                    problems.add("prompt " + i + " HANG: no outcome within " + PROMPT_DEADLINE.toSeconds() + " s ("
                            + handles.get(i).progress() + ")");
                    handles.get(i).cancel();
                }
            }
            return problems;
        }
        // Downloads while the schedule's faults are live (its /view faults hit them): a failure must be clean.
        Path dir = Files.createTempDirectory("chaos-out-");
        try {
            List<List<DownloadedFile>> firstTry = new ArrayList<>();
            for (int i = 0; i < handles.size(); i++) {
                PromptResult r = handles.get(i).result().join();
                ComfyHttpApi api = client.http(rig.server(fakes[schedule.prompts().get(i).server()], false));
                firstTry.add(r.outcome() == Outcome.SUCCESS
                        ? OutputDownloader.defaults().downloadAll(api, r.outputs(), new LocalDirectorySink(dir.resolve("first-" + i)))
                        : List.of());
            }
            for (FakeComfyUI f : fakes) {
                f.faults().clear(); // check on a healthy server
            }
            for (int i = 0; i < handles.size(); i++) {
                PromptPlan p = schedule.prompts().get(i);
                PromptResult r = handles.get(i).result().join();
                if (rig.counted()) {
                    OUTCOMES.computeIfAbsent(r.outcome(), o -> new AtomicInteger()).incrementAndGet();
                }
                rig.text(r);
                rig.text(io.comfyrun.client.ResultMaps.toPlainMap(r));
                r.errors().forEach(e -> rig.text(e.describe()));
                rig.text(handles.get(i).progress());
                rig.text(handles.get(i).snapshot());
                firstTry.get(i).forEach(rig::text);
                FakeComfyUI fake = fakes[p.server()];
                if (r.outcome() == Outcome.SUCCESS || r.outcome() == Outcome.FAILED) {
                    // the server ran it, but a delayed answer is journaled when really sent, possibly after the outcome
                    CaseRunner.waitFor(() -> CaseRunner.acceptedPosts(fake, r.promptId()) >= 1, Duration.ofSeconds(10));
                }
                int accepted = CaseRunner.acceptedPosts(fake, r.promptId());
                boolean restarted = !fake.journal().entries(e -> e.kind() == io.comfyrun.fake.journal.JournalEntry.Kind.SERVER
                        && "restart".equals(e.type())).isEmpty();
                boolean scriptFired = scripts.get(i)[0] != null && scripts.get(i)[0].fired() > 0;
                boolean samplerCached = r.nodes().stream().anyMatch(n -> n.id().equals("3") && n.cached());
                Set<Outcome> allowed = schedule.allowed(p, restarted, scriptFired, accepted > 1, samplerCached);
                if (!allowed.contains(r.outcome())) {
                    problems.add("prompt " + i + " ended " + r.outcome() + " (allowed " + allowed + "; restarted "
                            + restarted + ", own fault fired " + scriptFired + "): " + r.firstError());
                }
                if (accepted > 1 && !CaseRunner.repostsOnlyAfterRestarts(fake, r.promptId())
                        || accepted == 0 && r.outcome() != Outcome.REJECTED && r.outcome() != Outcome.UNREACHABLE) {
                    problems.add("prompt " + i + " (" + r.promptId() + ") accepted " + accepted + " times");
                }
                if (r.outcome() == Outcome.SUCCESS) {
                    checkOutputs(rig, i, fake, p, r, restarted, problems);
                    checkFiles(rig, i, fake, r, firstTry.get(i), dir, problems);
                }
            }
        } finally {
            CaseRunner.deleteTree(dir);
        }
        if (rig.counted()) {
            checkpoint(problems);
        }
        if (!CaseRunner.waitFor(() -> client.servers().connections().stream().allMatch(c -> c.inFlight() == 0),
                Duration.ofSeconds(3))) {
            problems.add("subscriptions left: " + client.servers().connections());
        }
        return problems;
    }

    /**
     * The reported outputs must be the server's. After a restart the history may be gone (it is in memory), and
     * the first request may meet a connection the restart cut: ask until the server gives a definite answer.
     */
    private static void checkOutputs(Rig rig, int i, FakeComfyUI fake, PromptPlan p, PromptResult r, boolean restarted,
                                     List<String> problems) {
        ComfyHttpApi api = rig.client().http(rig.server(fake, p.polling()));
        java.util.concurrent.atomic.AtomicReference<Set<String>> answer = new java.util.concurrent.atomic.AtomicReference<>();
        CaseRunner.waitFor(() -> {
            try {
                boolean present = api.history(r.promptId()).isPresent();
                answer.set(CaseRunner.serverOutputs(api, r.promptId()));
                return present || restarted;
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(5));
        Set<String> produced = answer.get();
        if (produced == null) {
            problems.add("prompt " + i + ": the server never answered /history after the schedule");
            return;
        }
        if (produced.isEmpty() && restarted && r.outputs().stream().noneMatch(o -> "output".equals(o.type()))) {
            return; // wiped history, nothing reported either (an ExecutionBlocked node may leave no outputs)
        }
        if (produced.isEmpty() && restarted) {
            return; // the restart wiped the history after the prompt finished: nothing to compare with
        }
        Set<String> reported = new HashSet<>();
        for (OutputRef o : r.outputs()) {
            if ("output".equals(o.type())) {
                reported.add(o.nodeId() + ":" + o.subfolder() + "/" + o.filename());
            }
        }
        if (!produced.equals(reported)) {
            problems.add("prompt " + i + " reported outputs " + reported + " but the server produced " + produced);
        }
    }

    /**
     * Every reported file, downloaded again on the healthy server, must be byte-identical to {@code /view}; the
     * first download, made while the schedule's faults were live, may have failed, but only cleanly: the error
     * names the file and nothing partial is left.
     */
    private static void checkFiles(Rig rig, int i, FakeComfyUI fake, PromptResult r, List<DownloadedFile> first, Path dir,
                                   List<String> problems) throws IOException {
        for (DownloadedFile d : first) {
            if (d.ok()) {
                continue;
            }
            rig.count(FIRST_DOWNLOAD_FAILURES);
            if (d.error() == null || !d.error().contains(d.output().filename())) {
                problems.add("prompt " + i + ": download error does not name the file: " + d.error());
            }
            if (d.relativePath() != null && Files.exists(dir.resolve("first-" + i).resolve(d.relativePath()))) {
                problems.add("prompt " + i + ": a failed download left " + d.relativePath() + " behind");
            }
        }
        ComfyHttpApi api = rig.client().http(rig.server(fake, false));
        List<DownloadedFile> files = OutputDownloader.defaults().downloadAll(api, r.outputs(),
                new LocalDirectorySink(dir.resolve("second-" + i)));
        for (DownloadedFile d : files) {
            if (!d.ok()) {
                // a restart after the prompt finished may meet a connection it cut: ask once more
                d = OutputDownloader.defaults().downloadAll(api, List.of(d.output()),
                        new LocalDirectorySink(dir.resolve("third-" + i))).get(0);
            }
            if (!d.ok()) {
                problems.add("prompt " + i + ": download failed on the healthy server: " + d.error());
                continue;
            }
            byte[] local = Files.readAllBytes(Path.of(d.location()));
            byte[] remote;
            try (ViewResponse v = api.view(d.output()); InputStream in = v.body()) {
                remote = in.readAllBytes();
            }
            if (local.length == 0 || !Arrays.equals(local, remote)) {
                problems.add("prompt " + i + ": " + d.relativePath() + " differs from /view (" + local.length + " vs "
                        + remote.length + " bytes)");
            }
            rig.count(FILES_COMPARED);
            rig.text(d);
        }
    }

    /**
     * Every {@link #CHECK_EVERY} schedules: the engine's and the fakes' threads and sockets must not have grown
     * past the first checkpoint's (plus the connection pool's slack). Per schedule would cost a settle wait each.
     */
    private static void checkpoint(List<String> problems) {
        if (SCHEDULES.get() % CHECK_EVERY != 0) {
            return;
        }
        if (firstThreads < 0) {
            firstThreads = probe.newThreads().size();
            firstSockets = probe.socketsDelta();
            CHECKPOINTS.incrementAndGet();
            return;
        }
        boolean settled = CaseRunner.waitFor(() -> probe.newThreads().size() <= firstThreads + 4
                && probe.socketsDelta() <= firstSockets + 16, Duration.ofSeconds(10));
        CHECKPOINTS.incrementAndGet();
        if (!settled) {
            problems.add("resources grew since the first checkpoint: threads " + probe.newThreads().size() + " (then "
                    + firstThreads + "), sockets +" + probe.socketsDelta() + " (then +" + firstSockets + ")");
        }
    }

    @Provide
    Arbitrary<ChaosSchedule> schedules() {
        Arbitrary<PromptPlan> prompt = Combinators.combine(
                Arbitraries.integers().between(0, 1),
                Arbitraries.of(true, false),
                Arbitraries.integers().between(2, 6),
                Arbitraries.frequency(Tuple.of(7, Script.NONE), Tuple.of(2, Script.ERROR_AT_STEP), Tuple.of(1, Script.INTERRUPT_AT_STEP)),
                Arbitraries.longs().between(1, Long.MAX_VALUE / 2)).as(PromptPlan::new);
        Arbitrary<FaultPlan> fault = Combinators.combine(
                Arbitraries.integers().between(0, 1),
                Arbitraries.of(Kind.class),
                Arbitraries.integers().between(1, 3),
                Arbitraries.of(ChaosSchedule.EVENTS),
                Arbitraries.of(ChaosSchedule.ROUTES),
                Arbitraries.doubles().between(0, 3000).ofScale(0)).as(FaultPlan::new);
        return Combinators.combine(prompt.list().ofMinSize(1).ofMaxSize(4), fault.list().ofMaxSize(4))
                .as(ChaosSchedule::new);
    }
}
