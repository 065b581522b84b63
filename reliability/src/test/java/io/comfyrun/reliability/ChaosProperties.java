package io.comfyrun.reliability;

import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.ComfyHttpApi;
import io.comfyrun.client.Outcome;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.PromptHandle;
import io.comfyrun.client.PromptRequest;
import io.comfyrun.client.PromptResult;
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

import java.io.IOException;
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
 * and keep it as a named case in {@link ChaosRegressionTest}.
 */
class ChaosProperties {

    static final double TIME_SCALE = 100;
    static final Duration PROMPT_DEADLINE = Duration.ofSeconds(30);

    private static final AtomicInteger SCHEDULES = new AtomicInteger();
    private static final AtomicInteger PROMPTS = new AtomicInteger();
    private static final AtomicInteger FAULTS = new AtomicInteger();
    private static final java.util.Map<Outcome, AtomicInteger> OUTCOMES = new java.util.concurrent.ConcurrentHashMap<>();
    private static final List<String> FAILURES = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static long startedAt;

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
        b.append("Run by `ChaosProperties` (jqwik): **").append(SCHEDULES.get()).append(" random fault schedules**, ")
                .append(PROMPTS.get()).append(" prompts, ").append(FAULTS.get()).append(" injected faults, ")
                .append(FAILURES.size()).append(" failing schedules, ").append(seconds).append(" s wall-clock.")
                .append(" Outcomes seen: ").append(new java.util.TreeMap<>(OUTCOMES)).append(".\n\n")
                .append("""
                        Each schedule puts 1-4 concurrent prompts (random steps, WebSocket or polling, some scripted to
                        fail or be interrupted on the server) on two fake servers (virtual time x%s) shared for the whole
                        run, and 0-4 random server faults: WebSocket close/FIN/RST/half-close/stall/malformed/unknown/
                        invalid frames on a random outgoing message, refused upgrades, HTTP 503/reset/empty/truncated/
                        delayed answers to `POST /prompt`, `GET /queue` or `GET /history`, delayed history writes and
                        restarts at a random moment. Invariants: every prompt ends within %d s with an allowed outcome
                        (its scripted one; `lost` too on a server that restarted; `rejected` after three 5xx answers to
                        its POST), exactly one accepted `POST /prompt` per prompt id, the reported outputs equal the
                        server's history outputs, no subscription left after each schedule, no thread or socket left
                        after the run%s.

                        Long mode (at least 10,000 schedules): `mvn -B -pl reliability -am verify -Dtest=ChaosProperties
                        -Dsurefire.failIfNoSpecifiedTests=false -Dchaos.tries=10000`. A failure prints jqwik's seed and
                        the schedule; replay it with `@Property(seed = "<seed>")` and add it to `ChaosRegressionTest`.
                        """.formatted((long) TIME_SCALE, PROMPT_DEADLINE.toSeconds(),
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
        List<String> problems = runSchedule(schedule);
        if (!problems.isEmpty()) {
            FAILURES.add(schedule + " -> " + problems);
            throw new AssertionError("schedule " + schedule + " broke: " + problems);
        }
    }

    /** Runs one schedule on the shared servers and engine; returns the invariants it broke. */
    static List<String> runSchedule(ChaosSchedule schedule) throws Exception {
        SCHEDULES.incrementAndGet();
        for (FakeComfyUI f : fakes) {
            f.scenario().reset(); // faults and timings of the previous schedule
            f.journal().clear();
        }
        for (FaultPlan fp : schedule.faults()) {
            fakes[fp.server()].faults().add(fp.toFault());
            FAULTS.incrementAndGet();
        }
        List<PromptHandle> handles = new ArrayList<>();
        for (PromptPlan p : schedule.prompts()) {
            PROMPTS.incrementAndGet();
            FakeComfyUI fake = fakes[p.server()];
            ServerConfig server = CaseRunner.serverConfig(fake, p.polling());
            handles.add(client.submit(server, PromptRequest.of(Workflows.txt2img(p.seed(), p.steps()))
                    .withBeforeSubmit(s -> {
                        Fault f = p.scriptFault(s.promptId());
                        if (f != null) {
                            fake.faults().add(f);
                        }
                    }), null));
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
        for (FakeComfyUI f : fakes) {
            f.faults().clear(); // check on a healthy server
        }
        for (int i = 0; i < handles.size(); i++) {
            PromptPlan p = schedule.prompts().get(i);
            PromptResult r = handles.get(i).result().join();
            OUTCOMES.computeIfAbsent(r.outcome(), o -> new AtomicInteger()).incrementAndGet();
            Set<Outcome> allowed = schedule.allowed(p);
            if (!allowed.contains(r.outcome())) {
                problems.add("prompt " + i + " ended " + r.outcome() + " (allowed " + allowed + "): " + r.firstError());
            }
            FakeComfyUI fake = fakes[p.server()];
            int accepted = CaseRunner.acceptedPosts(fake, r.promptId());
            boolean restarted = !fake.journal().entries(e -> e.kind() == io.comfyrun.fake.journal.JournalEntry.Kind.SERVER
                    && "restart".equals(e.type())).isEmpty();
            if (accepted > 1 || accepted == 0 && r.outcome() != Outcome.REJECTED && r.outcome() != Outcome.UNREACHABLE) {
                problems.add("prompt " + i + " (" + r.promptId() + ") accepted " + accepted + " times");
            }
            if (r.outcome() == Outcome.SUCCESS && !(restarted && historyGone(fake, r.promptId()))) {
                checkOutputs(i, fake, p, r, problems);
            }
        }
        if (!CaseRunner.waitFor(() -> client.servers().connections().stream().allMatch(c -> c.inFlight() == 0),
                Duration.ofSeconds(3))) {
            problems.add("subscriptions left: " + client.servers().connections());
        }
        return problems;
    }

    private static boolean historyGone(FakeComfyUI fake, String promptId) {
        try {
            return client.http(CaseRunner.serverConfig(fake, true)).history(promptId).isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static void checkOutputs(int i, FakeComfyUI fake, PromptPlan p, PromptResult r, List<String> problems)
            throws IOException {
        ComfyHttpApi api = client.http(CaseRunner.serverConfig(fake, p.polling()));
        CaseRunner.waitFor(() -> {
            try {
                return !CaseRunner.serverOutputs(api, r.promptId()).isEmpty();
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(5));
        Set<String> produced = CaseRunner.serverOutputs(api, r.promptId());
        Set<String> reported = new HashSet<>();
        for (OutputRef o : r.outputs()) {
            if ("output".equals(o.type())) {
                reported.add(o.nodeId() + ":" + o.subfolder() + "/" + o.filename());
            }
        }
        if (produced.isEmpty() || !produced.equals(reported)) {
            problems.add("prompt " + i + " reported outputs " + reported + " but the server produced " + produced);
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
