package io.comfyrun.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.ComfyHttpApi;
import io.comfyrun.client.Outcome;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.PromptHandle;
import io.comfyrun.client.PromptRequest;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.ServerAuth;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.Timeouts;
import io.comfyrun.client.TrackingMode;
import io.comfyrun.client.ViewResponse;
import io.comfyrun.client.files.DownloadedFile;
import io.comfyrun.client.files.LocalDirectorySink;
import io.comfyrun.client.files.OutputDownloader;
import io.comfyrun.client.progress.PromptPhase;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.journal.JournalEntry;
import io.comfyrun.fake.scenario.Fault;
import io.comfyrun.fake.scenario.Fault.HttpAction;
import io.comfyrun.fake.scenario.Fault.WsAction;
import io.comfyrun.fake.scenario.FaultControl;
import io.comfyrun.fake.scenario.TimingRule;
import io.comfyrun.fake.scenario.Trigger;
import io.comfyrun.reliability.MatrixCase.Phase;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Runs one {@link MatrixCase}: a fresh fake server and a fresh engine, the fault installed at its phase, the
 * prompt followed to its outcome with a deadline, then every invariant checked (outcome, one accepted
 * submission, outputs intact, no subscription, socket or thread left behind).
 */
final class CaseRunner {

    /** Virtual time runs this much faster than real time: a 2 s checkpoint load takes 100 ms. */
    static final double TIME_SCALE = 20;
    static final Duration CASE_DEADLINE = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one case did. */
    record Report(MatrixCase c, Outcome observed, long millis, List<String> problems, String notes,
                  List<String> texts) {
        Report(MatrixCase c, Outcome observed, long millis, List<String> problems, String notes) {
            this(c, observed, millis, problems, notes, List.of());
        }

        boolean pass() {
            return problems.isEmpty();
        }
    }

    private CaseRunner() {
    }

    /** Engine settings shared by the suites: short timeouts and reconcile periods, never a fixed wait. */
    static ComfyClient newClient() {
        return newClient(Duration.ofSeconds(1));
    }

    /**
     * The matrix reconciles a silent prompt after 400 ms, so that a one-second silent node (virtual 20 s) is
     * enough for the WebSocket mode to ask {@code /queue} in the phase under test.
     */
    static ComfyClient newClient(Duration silenceReconcile) {
        return ComfyClient.builder().silenceReconcile(silenceReconcile).reconnectCap(Duration.ofMillis(200))
                .heartbeat(Duration.ofSeconds(5)).build();
    }

    static ServerConfig serverConfig(FakeComfyUI fake, boolean polling) {
        ServerConfig s = ServerConfig.of(fake.baseUrl()).withTimeouts(new Timeouts(Duration.ofSeconds(2),
                Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofMillis(300)));
        return polling ? s.withMode(TrackingMode.POLL_ONLY).withPolling(Duration.ofMillis(50), Duration.ofMillis(200)) : s;
    }

    static final Duration MATRIX_SILENCE = Duration.ofMillis(400);
    /** A node made slow for a phase: longer than the matrix's silence reconcile (WebSocket) or a few polls. */
    private static final double SLOW_NODE_WS_MS = 20_000;
    private static final double SLOW_NODE_POLL_MS = 10_000;
    /** The history write held back after success: 3 s, or 40 s (2 s real) when a restart must land inside it. */
    private static final double HISTORY_HOLD_MS = 3_000;
    private static final double HISTORY_HOLD_RESTART_MS = 40_000;

    static Report run(MatrixCase c, long seed) {
        return run(c, seed, null, clientFor(c));
    }

    /** The engine a row runs on: the short silence reconcile only where the row's request depends on it. */
    static ComfyClient clientFor(MatrixCase c) {
        return newClient(slowNodeOverSocket(c) ? MATRIX_SILENCE : Duration.ofSeconds(1));
    }

    /** HTTP faults over a WebSocket in the running phases: the request they hit is the silence reconcile's. */
    private static boolean slowNodeOverSocket(MatrixCase c) {
        return c.mode() == MatrixCase.Mode.WEBSOCKET && c.fault().http() != null && installWhenObserved(c)
                && c.phase() != Phase.QUEUED;
    }

    /** Which request of the engine an HTTP fault hits in this row. */
    static String httpRoute(MatrixCase c) {
        boolean ws = c.mode() == MatrixCase.Mode.WEBSOCKET;
        return switch (c.phase()) {
            case BEFORE_SUBMIT -> "hits POST /prompt";
            case QUEUED -> ws ? "hits the GET /queue asked on a status message" : "hits a GET /queue poll";
            case FIRST_NODE -> ws ? "hits the silence reconcile's GET /queue during a silent 1 s node 4"
                    : "hits a GET /queue poll during a 0.5 s node 4";
            case MID_SAMPLER -> ws ? "hits the silence reconcile's GET /queue after sampler step 1 of 2 (1 s each)"
                    : "hits a GET /queue poll during a 200-step sampler";
            case BETWEEN_NODES -> ws
                    ? "hits the silence reconcile's GET /queue after node 9's output, during a silent 1 s node 10"
                    : "hits a GET /queue poll after node 9's file is written, during a 0.5 s node 10";
            case AFTER_SUCCESS_BEFORE_HISTORY -> ws
                    ? "the socket is reset at execution_success (frame lost) so the engine must read history; "
                    + "hits its GET /history/{id} (write held 3 s)"
                    : "hits GET /history/{id} (write held 3 s)";
            case DURING_DOWNLOAD -> "hits GET /view";
        };
    }

    /**
     * One case with {@code auth} configured on the server (null: none), on {@code client}, which this closes.
     */
    static Report run(MatrixCase c, long seed, ServerAuth auth, ComfyClient client) {
        LeakProbe probe = LeakProbe.capture();
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        if (!c.reason().isEmpty()) {
            notes.add(c.reason());
        }
        if (c.fault().http() != null) {
            notes.add(httpRoute(c));
        }
        Outcome observed = null;
        long millis = -1;
        Path downloads = null;
        // what the case produced for a user to see (result, result map, errors, journal), for the secret scan
        List<String> texts = new ArrayList<>();
        FakeComfyUI fake = FakeComfyUI.builder().port(0).timeScale(TIME_SCALE).seed(seed).start();
        try {
            downloads = Files.createTempDirectory("reliability-out-");
            boolean polling = c.mode() == MatrixCase.Mode.POLLING;
            ServerConfig server = serverConfig(fake, polling);
            if (auth != null) {
                server = server.withAuth(auth);
            }
            ComfyHttpApi api = client.http(server);
            boolean installWhenObserved = installWhenObserved(c);
            int steps = 8;
            if (c.phase() == Phase.MID_SAMPLER && installWhenObserved) {
                steps = slowSteps(c) ? 2 : 200;
            }
            slowNode(c, fake, installWhenObserved);
            String blockerId = null;
            if (c.phase() == Phase.QUEUED) {
                blockerId = postBlocker(api, seed);
            }
            List<FaultControl.Installed> main = new CopyOnWriteArrayList<>();
            if (c.phase() == Phase.BEFORE_SUBMIT) {
                main.add(fake.faults().add(beforeSubmitFault(c)));
            }
            FaultControl.Installed[] historyHold = new FaultControl.Installed[1];
            ObjectNode wf = Workflows.txt2img(seed, steps);
            long start = System.nanoTime();
            PromptHandle h = client.submit(server, PromptRequest.of(wf).withBeforeSubmit(s -> {
                for (Fault f : promptBoundFaults(c, s.promptId())) {
                    main.add(fake.faults().add(f));
                }
                if (c.phase() == Phase.AFTER_SUCCESS_BEFORE_HISTORY) {
                    historyHold[0] = fake.faults().add(new Fault.HistoryDelay(Trigger.any().forPrompt(s.promptId()), 1,
                            c.fault().restart() ? HISTORY_HOLD_RESTART_MS : HISTORY_HOLD_MS));
                }
            }), null);
            if (installWhenObserved) {
                String wanted = awaitPhase(c, fake, h, historyHold);
                if (wanted != null) {
                    problems.add("never observed " + wanted + " to install the fault");
                } else {
                    main.add(fake.faults().add(observedFault(c)));
                }
                if (blockerId != null) {
                    waitFor(() -> firedAll(fake, main), Duration.ofSeconds(5));
                    interruptQuietly(client.http(server), blockerId);
                }
            }
            PromptResult r;
            try {
                r = h.result().get(CASE_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                // Taken here, not in a completion callback: one may still be pending when get() returns.
                millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            } catch (TimeoutException e) {
                problems.add("HANG: no outcome within " + CASE_DEADLINE.toSeconds() + " s; progress " + h.progress());
                h.cancel();
                return new Report(c, null, -1, problems, String.join("; ", notes));
            }
            if (c.fault().restart() && c.phase() == Phase.AFTER_SUCCESS_BEFORE_HISTORY && !polling) {
                // the success came first; the restart lands while the history write is still held back
                waitFor(() -> firedAll(fake, main), Duration.ofSeconds(5));
            }
            observed = r.outcome();
            texts.add(r.toString());
            texts.add(String.valueOf(io.comfyrun.client.ResultMaps.toPlainMap(r)));
            texts.add(String.valueOf(h.progress()));
            if (r.outcome() != c.expected()) {
                problems.add("outcome " + r.outcome() + " (expected " + c.expected() + "): " + r.firstError());
            }
            if (c.phase() != Phase.DURING_DOWNLOAD && !firedAll(fake, main)) {
                problems.add("the fault never fired: the row did not exercise it");
            }
            // A delayed answer is journaled when the fake really sends it, which can be after the outcome (the
            // events came over the socket first): give it the time the delay needs before counting.
            waitFor(() -> acceptedPosts(fake, h.promptId()) >= 1, Duration.ofSeconds(10));
            int accepted = acceptedPosts(fake, h.promptId());
            if (accepted != 1) {
                problems.add(accepted + " accepted POST /prompt for " + h.promptId() + " (must be exactly 1)");
            }
            if (!waitFor(() -> client.servers().connections().stream().allMatch(sc -> sc.inFlight() == 0),
                    Duration.ofSeconds(3))) {
                problems.add("subscription left: " + client.servers().connections());
            }
            fake.faults().clear();
            if (r.outcome() == Outcome.SUCCESS) {
                checkOutputs(c, fake, client, server, r, downloads, problems, notes);
            } else if (r.outcome() == Outcome.LOST) {
                checkKeptOutputs(client.http(server), r, downloads, problems, notes);
            }
            ComfyHttpApi probeApi = client.http(server);
            texts.add(probeApi.getJson("__fake/journal").toString());
            if (!waitFor(() -> fakeSockets(probeApi) <= (polling ? 0 : 1), Duration.ofSeconds(3))) {
                problems.add("the fake holds " + fakeSockets(probeApi) + " WebSockets of this client");
            }
            client.close();
            if (c.fault().ws() == WsAction.STALL) {
                // The fake stops reading a stalled socket, so it never sees our FIN; the JVM socket count below
                // proves the engine closed its end.
                notes.add("stalled socket detected by ping, replaced");
            } else if (!waitFor(() -> fakeSockets(api) == 0, Duration.ofSeconds(3))) {
                problems.add("WebSocket still open on the fake after the engine closed");
            }
            if (!client.servers().connections().isEmpty()) {
                problems.add("registry not empty after close");
            }
        } catch (Exception e) {
            problems.add("harness error: " + e);
            texts.add(SecretsTest.stackTrace(e));
        } finally {
            client.close();
            fake.close();
            deleteTree(downloads);
        }
        String leaks = probe.awaitSettled(Duration.ofSeconds(15));
        if (!leaks.isEmpty()) {
            problems.add(leaks);
        }
        texts.addAll(problems);
        texts.addAll(notes);
        return new Report(c, observed, millis, problems, String.join("; ", notes), texts);
    }

    // ------------------------------------------------------------------ fault installation

    /**
     * Whether the fault goes in once the engine (or the fake's disk) shows the phase, rather than on an exact
     * frame: everything that is not a WebSocket frame fault, except a WebSocket-mode restart on a frame and the
     * HTTP faults bound to a route of the phase (submission, history).
     */
    private static boolean installWhenObserved(MatrixCase c) {
        MatrixCase.FaultKind k = c.fault();
        boolean ws = c.mode() == MatrixCase.Mode.WEBSOCKET;
        return switch (c.phase()) {
            case QUEUED -> true;
            case MID_SAMPLER -> !k.isWebSocket();
            case FIRST_NODE, BETWEEN_NODES -> k.http() != null || k.restart() && !ws;
            case AFTER_SUCCESS_BEFORE_HISTORY -> k.restart();
            default -> false;
        };
    }

    /** WebSocket mode, HTTP fault mid-sampler: two one-second steps, the fault after the first. */
    private static boolean slowSteps(MatrixCase c) {
        return c.mode() == MatrixCase.Mode.WEBSOCKET && c.fault().http() != null;
    }

    /**
     * Makes the phase last: in WebSocket mode a node silent for longer than the silence reconcile (so the engine
     * asks {@code /queue} then), in polling mode long enough for several polls.
     */
    private static void slowNode(MatrixCase c, FakeComfyUI fake, boolean observed) {
        if (!observed) {
            return;
        }
        double ms = c.mode() == MatrixCase.Mode.WEBSOCKET ? SLOW_NODE_WS_MS : SLOW_NODE_POLL_MS;
        switch (c.phase()) {
            case FIRST_NODE -> fake.scenario().timing(new TimingRule(null, "4", null, null, ms, null, null));
            case BETWEEN_NODES -> fake.scenario().timing(new TimingRule(null, "10", null, null, ms, null, null));
            case MID_SAMPLER -> {
                if (slowSteps(c)) {
                    fake.scenario().timing(new TimingRule(null, "3", null, null, 0.0, 1000.0 / ms, null));
                }
            }
            default -> { }
        }
    }

    /** Waits for the phase to install an observed fault in; returns what was not seen, or null. */
    private static String awaitPhase(MatrixCase c, FakeComfyUI fake, PromptHandle h,
                                     FaultControl.Installed[] historyHold) {
        boolean ws = c.mode() == MatrixCase.Mode.WEBSOCKET;
        Duration deadline = Duration.ofSeconds(10);
        return switch (c.phase()) {
            case QUEUED -> waitFor(() -> h.progress().phase() == PromptPhase.QUEUED && !h.result().isDone(), deadline)
                    ? null : "phase QUEUED";
            case MID_SAMPLER -> slowSteps(c)
                    ? waitFor(() -> stepOf(h, "3") >= 1 && !h.result().isDone(), deadline) ? null : "sampler step 1"
                    : waitFor(() -> h.progress().phase() == PromptPhase.RUNNING && !h.result().isDone(), deadline)
                    ? null : "phase RUNNING";
            case FIRST_NODE -> ws
                    ? waitFor(() -> isCurrent(h, "4") && !h.result().isDone(), deadline) ? null : "node 4 running"
                    : waitFor(() -> h.progress().phase() == PromptPhase.RUNNING && !h.result().isDone(), deadline)
                    ? null : "phase RUNNING";
            // the first output on the server's disk: node 9 is done, node 10 (slow) runs
            case BETWEEN_NODES -> waitFor(() -> outputFiles(fake).stream().anyMatch(f -> f.startsWith("first"))
                    && !h.result().isDone(), deadline) ? null : "node 9's file on the server";
            case AFTER_SUCCESS_BEFORE_HISTORY -> ws
                    ? waitFor(() -> h.result().isDone(), deadline) ? null : "success over the socket"
                    : waitFor(() -> historyHold[0] != null && historyHold[0].fired() > 0, deadline)
                    ? null : "the history write held back";
            default -> null;
        };
    }

    private static int stepOf(PromptHandle h, String nodeId) {
        return h.progress().nodes().stream().filter(n -> n.node().id().equals(nodeId)).mapToInt(n -> n.value())
                .findFirst().orElse(0);
    }

    private static boolean isCurrent(PromptHandle h, String nodeId) {
        return h.progress().currentNode() != null && nodeId.equals(h.progress().currentNode().id());
    }

    /** File names in the fake's output folder (what the server really wrote). */
    static List<String> outputFiles(FakeComfyUI fake) {
        Path dir = fake.dataDir().resolve("output");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/')).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static Fault beforeSubmitFault(MatrixCase c) {
        MatrixCase.FaultKind k = c.fault();
        if (k.restart()) {
            return new Fault.Restart(Trigger.onRoute("POST", "/prompt"), 1);
        }
        if (k.refuseUpgrade()) {
            return new Fault.WsRefuseUpgrade(Trigger.any(), -1, 403, 2000.0);
        }
        if (k.ws() != null) {
            return ws(Trigger.onEvent("status", 1), k.ws(), null);
        }
        return http(Trigger.onRoute("POST", "/prompt"), k);
    }

    /** Faults that need the prompt id (installed in beforeSubmit, before the POST). */
    private static List<Fault> promptBoundFaults(MatrixCase c, String pid) {
        MatrixCase.FaultKind k = c.fault();
        if (installWhenObserved(c) || c.phase() == Phase.BEFORE_SUBMIT || c.phase() == Phase.QUEUED
                || c.phase() == Phase.DURING_DOWNLOAD) {
            return List.of();
        }
        Trigger t = switch (c.phase()) {
            case FIRST_NODE -> Trigger.onEvent("executing", 1).forPrompt(pid);
            case MID_SAMPLER -> new Trigger(pid, null, null, null, "progress", null, 4, null, null, null);
            case BETWEEN_NODES -> Trigger.onEvent("executed", 1).forPrompt(pid);
            default -> Trigger.onEvent("execution_success", 1).forPrompt(pid);
        };
        if (k.restart()) {
            return List.of(new Fault.Restart(t, 1));
        }
        if (k.refuseUpgrade()) {
            return List.of(ws(t, WsAction.RST, 2000.0));
        }
        if (k.ws() != null) {
            return List.of(ws(t, k.ws(), null));
        }
        // HTTP after success: the engine reads /history only when it may have missed events. In polling mode
        // always; over a WebSocket only after a gap, so the socket is reset on execution_success (that frame is
        // never sent) and the fault hits the engine's GET /history/{id} while the write is held back.
        Fault history = http(Trigger.onRoute("GET", "/history/*"), k);
        return c.mode() == MatrixCase.Mode.POLLING ? List.of(history) : List.of(ws(t, WsAction.RST, null), history);
    }

    /** Faults installed once the phase is observed: a restart, a socket drop, or the next {@code GET /queue}. */
    private static Fault observedFault(MatrixCase c) {
        MatrixCase.FaultKind k = c.fault();
        if (k.restart()) {
            return new Fault.Restart(Trigger.afterMs(0), 1);
        }
        if (k.refuseUpgrade()) {
            return ws(Trigger.afterMs(0), WsAction.RST, 2000.0);
        }
        if (k.ws() != null) {
            return ws(Trigger.afterMs(0), k.ws(), null);
        }
        return http(Trigger.onRoute("GET", "/queue"), k);
    }

    static Fault ws(Trigger t, WsAction a, Double refuseReconnectMs) {
        return new Fault.WsFault(t, 1, a, null, null, refuseReconnectMs, null, null);
    }

    static Fault http(Trigger t, HttpAction a) {
        return http(t, MatrixCase.FaultKind.ofHttp(a));
    }

    static Fault http(Trigger t, MatrixCase.FaultKind k) {
        HttpAction a = k.http();
        return switch (a) {
            case STATUS -> new Fault.HttpFault(t, 1, a, k.status() == null ? 503 : k.status(), null, null);
            // 60 virtual seconds = 3 real seconds: longer than the 1 s read timeout
            case DELAY -> new Fault.HttpFault(t, 1, a, null, 60_000.0, null);
            case TRUNCATE -> new Fault.HttpFault(t, 1, a, null, null, 10);
            default -> new Fault.HttpFault(t, 1, a, null, null, null);
        };
    }

    /**
     * Whether every fault fired: by its counter, or (time-triggered faults are removed once applied, without
     * counting) by the fault entry the fake journals when it applies one.
     */
    static boolean firedAll(FakeComfyUI fake, List<FaultControl.Installed> installed) {
        return !installed.isEmpty() && installed.stream().allMatch(i -> i.fired() > 0
                || !fake.journal().entries(e -> e.kind() == JournalEntry.Kind.FAULT
                        && i.fault().kind().equals(e.type())).isEmpty());
    }

    static String postBlocker(ComfyHttpApi api, long seed) throws IOException {
        String id = UUID.randomUUID().toString();
        ObjectNode body = JSON.createObjectNode();
        body.set("prompt", Workflows.blocker(seed + 1_000_000, 10_000));
        body.put("client_id", "reliability-blocker");
        body.put("prompt_id", id);
        int status = api.postPrompt(body).status();
        if (status != 200) {
            throw new IllegalStateException("blocker prompt refused with HTTP " + status);
        }
        return id;
    }

    static void interruptQuietly(ComfyHttpApi api, String promptId) {
        try {
            api.interrupt(promptId);
        } catch (IOException e) {
            // a restart already removed it
        }
    }

    // ------------------------------------------------------------------ checks

    /** Accepted submissions of this prompt id, as the server journaled them (200 answers naming the id). */
    static int acceptedPosts(FakeComfyUI fake, String promptId) {
        return fake.journal().entries(e -> e.kind() == JournalEntry.Kind.HTTP_RESPONSE
                && "POST".equals(e.method()) && e.path() != null
                && (e.path().equals("/prompt") || e.path().equals("/api/prompt"))
                && e.status() == 200 && e.text() != null && e.text().contains(promptId)).size();
    }

    /**
     * Whether every accepted copy of this prompt but the last was wiped by a server restart before the next was
     * accepted: a submission whose answer a restart cut is re-sent once the engine finds the prompt gone from
     * /queue and /history, and the server can then run it at most once.
     */
    static boolean repostsOnlyAfterRestarts(FakeComfyUI fake, String promptId) {
        List<JournalEntry> accepted = fake.journal().entries(e -> e.kind() == JournalEntry.Kind.HTTP_RESPONSE
                && "POST".equals(e.method()) && e.path() != null
                && (e.path().equals("/prompt") || e.path().equals("/api/prompt"))
                && e.status() == 200 && e.text() != null && e.text().contains(promptId));
        List<Long> restarts = fake.journal().entries(e -> e.kind() == JournalEntry.Kind.SERVER
                && "restart".equals(e.type())).stream().map(JournalEntry::seq).toList();
        for (int k = 1; k < accepted.size(); k++) {
            long from = accepted.get(k - 1).seq();
            long to = accepted.get(k).seq();
            if (restarts.stream().noneMatch(r -> r > from && r < to)) {
                return false;
            }
        }
        return true;
    }

    /** The server's own list of outputs (history) must equal the result's, and every file must arrive byte-exact. */
    private static void checkOutputs(MatrixCase c, FakeComfyUI fake, ComfyClient client, ServerConfig server,
                                     PromptResult r, Path downloads, List<String> problems, List<String> notes)
            throws IOException {
        ComfyHttpApi api = client.http(server);
        Set<String> produced;
        Set<String> reported = new HashSet<>();
        if (c.fault().restart() && c.phase() == Phase.AFTER_SUCCESS_BEFORE_HISTORY) {
            // The restart wiped the held-back history write: what the server produced is its output folder.
            produced = new HashSet<>(outputFiles(fake));
            for (OutputRef o : r.outputs()) {
                if ("output".equals(o.type())) {
                    reported.add(o.subfolder().isEmpty() ? o.filename() : o.subfolder() + "/" + o.filename());
                }
            }
            notes.add("history never written; the outputs announced over the socket match the server's folder");
        } else {
            // The history write may lag the success message (held back on purpose in some rows): wait for it.
            waitFor(() -> {
                try {
                    return !serverOutputs(api, r.promptId()).isEmpty();
                } catch (IOException e) {
                    return false;
                }
            }, Duration.ofSeconds(5));
            produced = serverOutputs(api, r.promptId());
            for (OutputRef o : r.outputs()) {
                if ("output".equals(o.type())) {
                    reported.add(o.nodeId() + ":" + o.subfolder() + "/" + o.filename());
                }
            }
        }
        if (produced.isEmpty()) {
            problems.add("the server has no outputs for a successful prompt");
        }
        if (!produced.equals(reported)) {
            problems.add("outputs reported " + reported + " but the server produced " + produced);
        }
        OutputDownloader downloader = OutputDownloader.defaults();
        LocalDirectorySink sink = new LocalDirectorySink(downloads);
        boolean restartedAfterSuccess = c.fault().restart() && c.phase() == Phase.AFTER_SUCCESS_BEFORE_HISTORY;
        if (c.phase() == Phase.DURING_DOWNLOAD || restartedAfterSuccess) {
            Trigger view = Trigger.onRoute("GET", "/view");
            FaultControl.Installed f = restartedAfterSuccess ? null : fake.faults().add(c.fault().restart()
                    ? new Fault.Restart(view, 1) : http(view, c.fault()));
            List<DownloadedFile> first = downloader.downloadAll(api, r.outputs(), sink);
            fake.faults().clear();
            if (f != null && f.fired() == 0) {
                problems.add("the /view fault never fired");
            }
            List<DownloadedFile> failed = first.stream().filter(d -> !d.ok()).toList();
            HttpAction action = c.fault().http();
            if (c.fault().restart()) {
                // The server is back at once (same port): the first GET /view goes out on the keep-alive connection
                // the restart closed (or is itself cut by it), and the engine retries an idempotent GET once on a
                // fresh connection. Anything but plain success is a finding.
                if (failed.isEmpty()) {
                    notes.add("every file downloaded at once after the restart, no error");
                } else {
                    problems.add("a download right after the restart failed: " + failed.get(0).error());
                }
            } else if (action == HttpAction.DELAY && failed.isEmpty()) {
                notes.add("delayed /view still within the timeout");
            } else if ((action == HttpAction.RESET || action == HttpAction.EMPTY) && failed.isEmpty()) {
                // No answer at all on a reused keep-alive connection looks exactly like a stale one: retried once.
                notes.add("no answer to GET /view on a reused connection; the engine's one retry on a fresh "
                        + "connection downloaded every file at once");
            } else if (failed.isEmpty()) {
                problems.add("a broken /view answer was accepted as a complete file");
            } else {
                for (DownloadedFile d : failed) {
                    if (d.error() == null || !d.error().contains(d.output().filename())) {
                        problems.add("download error does not name the file: " + d.error());
                    }
                    if (d.relativePath() != null && Files.exists(downloads.resolve(d.relativePath()))) {
                        problems.add("a failed download left " + d.relativePath() + " behind");
                    }
                }
                if (leftovers(downloads) > first.size() - failed.size()) {
                    problems.add("partial files left in the output folder after a failed download");
                }
                notes.add("first download failed cleanly (" + failed.get(0).error().replaceAll("\\s+", " ")
                        .replace("|", "/") + "); retried");
            }
        }
        List<DownloadedFile> files = downloader.downloadAll(api, r.outputs(), sink);
        for (DownloadedFile d : files) {
            if (!d.ok()) {
                problems.add("download failed: " + d.error());
                continue;
            }
            long[] sizes = differsFromView(api, d);
            if (sizes != null) {
                problems.add("output " + d.relativePath() + " differs from /view (" + sizes[0] + " vs "
                        + sizes[1] + " bytes)");
            }
        }
        if (files.size() != produced.size()) {
            problems.add(files.size() + " files downloaded for " + produced.size() + " outputs");
        }
    }

    /**
     * Null when the downloaded file is non-empty and byte-identical to what {@code /view} serves now; otherwise
     * {local size, /view size}.
     */
    private static long[] differsFromView(ComfyHttpApi api, DownloadedFile d) throws IOException {
        byte[] local = Files.readAllBytes(Path.of(d.location()));
        byte[] remote;
        try (ViewResponse v = api.view(d.output()); InputStream in = v.body()) {
            remote = in.readAllBytes();
        }
        return Arrays.equals(local, remote) && local.length > 0 ? null : new long[]{local.length, remote.length};
    }

    /**
     * A lost prompt keeps what the engine heard before the loss: every output in the result must still download
     * byte-identical to {@code /view} (the files outlive a restart on the server's disk).
     */
    private static void checkKeptOutputs(ComfyHttpApi api, PromptResult r, Path downloads, List<String> problems,
                                         List<String> notes) throws IOException {
        if (r.outputs().isEmpty()) {
            return;
        }
        List<DownloadedFile> files = OutputDownloader.defaults().downloadAll(api, r.outputs(), new LocalDirectorySink(downloads));
        for (DownloadedFile d : files) {
            if (!d.ok()) {
                problems.add("an output announced before the loss does not download: " + d.error());
                continue;
            }
            if (differsFromView(api, d) != null) {
                problems.add("kept output " + d.relativePath() + " differs from /view");
            }
        }
        notes.add(files.size() + " output(s) announced before the loss kept in the result, downloaded intact");
    }

    /** {@code node:subfolder/filename} of every {@code output}-type file in the server's history entry. */
    static Set<String> serverOutputs(ComfyHttpApi api, String promptId) throws IOException {
        Set<String> out = new HashSet<>();
        JsonNode entry = api.history(promptId).orElse(null);
        if (entry == null) {
            return out;
        }
        Iterator<Map.Entry<String, JsonNode>> nodes = entry.path("outputs").fields();
        while (nodes.hasNext()) {
            Map.Entry<String, JsonNode> n = nodes.next();
            n.getValue().fields().forEachRemaining(kind -> {
                if (kind.getValue().isArray()) {
                    for (JsonNode f : kind.getValue()) {
                        if ("output".equals(f.path("type").asText())) {
                            out.add(n.getKey() + ":" + f.path("subfolder").asText("") + "/" + f.path("filename").asText());
                        }
                    }
                }
            });
        }
        return out;
    }

    static int fakeSockets(ComfyHttpApi api) {
        try {
            return api.getJson("__fake/sockets").size();
        } catch (IOException e) {
            return -1;
        }
    }

    private static long leftovers(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    static boolean waitFor(BooleanSupplier condition, Duration deadline) {
        try {
            org.awaitility.Awaitility.await().atMost(deadline).pollInterval(Duration.ofMillis(20))
                    .until(condition::getAsBoolean);
            return true;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            return false;
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // temp folder: best effort
        }
    }

    /** One plain prompt, so that JVM-wide singletons (OkHttp's task runner, Netty's globals) exist before probing. */
    static void warmUp() throws Exception {
        try (FakeComfyUI fake = FakeComfyUI.builder().port(0).timeScale(TIME_SCALE).start();
             ComfyClient client = newClient()) {
            ServerConfig server = serverConfig(fake, false);
            PromptResult r = client.submit(server, PromptRequest.of(Workflows.txt2img(1, 2)), null).result()
                    .get(CASE_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            Path dir = Files.createTempDirectory("reliability-warmup-");
            try {
                OutputDownloader.defaults().downloadAll(client.http(server), r.outputs(), new LocalDirectorySink(dir));
            } finally {
                deleteTree(dir);
            }
        }
    }
}
