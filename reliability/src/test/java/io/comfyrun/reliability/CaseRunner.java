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
import java.util.concurrent.atomic.AtomicLong;
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
    record Report(MatrixCase c, Outcome observed, long millis, List<String> problems, String notes) {
        boolean pass() {
            return problems.isEmpty();
        }
    }

    private CaseRunner() {
    }

    /** Engine settings shared by the suites: short timeouts and reconcile periods, never a fixed wait. */
    static ComfyClient newClient() {
        return ComfyClient.builder().silenceReconcile(Duration.ofSeconds(1)).reconnectCap(Duration.ofMillis(200))
                .heartbeat(Duration.ofSeconds(5)).build();
    }

    static ServerConfig serverConfig(FakeComfyUI fake, boolean polling) {
        ServerConfig s = ServerConfig.of(fake.baseUrl()).withTimeouts(new Timeouts(Duration.ofSeconds(2),
                Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofMillis(300)));
        return polling ? s.withMode(TrackingMode.POLL_ONLY).withPolling(Duration.ofMillis(50), Duration.ofMillis(200)) : s;
    }

    static Report run(MatrixCase c, long seed) {
        LeakProbe probe = LeakProbe.capture();
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Outcome observed = null;
        long millis = -1;
        Path downloads = null;
        FakeComfyUI fake = FakeComfyUI.builder().port(0).timeScale(TIME_SCALE).seed(seed).start();
        ComfyClient client = newClient();
        try {
            downloads = Files.createTempDirectory("reliability-out-");
            ServerConfig server = serverConfig(fake, c.mode() == MatrixCase.Mode.POLLING);
            ComfyHttpApi api = client.http(server);
            boolean installWhenObserved = c.phase() == Phase.QUEUED
                    || c.phase() == Phase.MID_SAMPLER && !c.fault().isWebSocket();
            int steps = c.phase() == Phase.MID_SAMPLER && installWhenObserved ? 200 : 8;
            String blockerId = null;
            if (c.phase() == Phase.QUEUED) {
                blockerId = postBlocker(api, seed);
            }
            List<FaultControl.Installed> main = new CopyOnWriteArrayList<>();
            if (c.phase() == Phase.BEFORE_SUBMIT) {
                main.add(fake.faults().add(beforeSubmitFault(c)));
            }
            ObjectNode wf = Workflows.txt2img(seed, steps);
            AtomicLong done = new AtomicLong();
            long start = System.nanoTime();
            PromptHandle h = client.submit(server, PromptRequest.of(wf).withBeforeSubmit(s -> {
                Fault f = promptBoundFault(c, s.promptId());
                if (f != null) {
                    main.add(fake.faults().add(f));
                }
                if (c.phase() == Phase.AFTER_SUCCESS_BEFORE_HISTORY) {
                    fake.faults().add(new Fault.HistoryDelay(Trigger.any().forPrompt(s.promptId()), 1, 3000));
                }
            }), null);
            h.result().whenComplete((r, ex) -> done.set(System.nanoTime()));
            if (installWhenObserved) {
                PromptPhase wanted = c.phase() == Phase.QUEUED ? PromptPhase.QUEUED : PromptPhase.RUNNING;
                if (!waitFor(() -> h.progress().phase() == wanted || h.result().isDone(), Duration.ofSeconds(10))
                        || h.result().isDone()) {
                    problems.add("never observed phase " + wanted + " to install the fault");
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
            } catch (TimeoutException e) {
                problems.add("HANG: no outcome within " + CASE_DEADLINE.toSeconds() + " s; progress " + h.progress());
                h.cancel();
                return new Report(c, null, -1, problems, String.join("; ", notes));
            }
            millis = TimeUnit.NANOSECONDS.toMillis(done.get() - start);
            observed = r.outcome();
            if (r.outcome() != c.expected()) {
                problems.add("outcome " + r.outcome() + " (expected " + c.expected() + "): " + r.firstError());
            }
            if (c.phase() != Phase.DURING_DOWNLOAD && !firedAll(fake, main)) {
                problems.add("the fault never fired: the row did not exercise it");
            }
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
            }
            if (!waitFor(() -> fakeSockets(api) <= (c.mode() == MatrixCase.Mode.POLLING ? 0 : 1), Duration.ofSeconds(3))) {
                problems.add("the fake holds " + fakeSockets(api) + " WebSockets of this client");
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
        } finally {
            client.close();
            fake.close();
            deleteTree(downloads);
        }
        String leaks = probe.awaitSettled(Duration.ofSeconds(15));
        if (!leaks.isEmpty()) {
            problems.add(leaks);
        }
        return new Report(c, observed, millis, problems, String.join("; ", notes));
    }

    // ------------------------------------------------------------------ fault installation

    private static Fault beforeSubmitFault(MatrixCase c) {
        MatrixCase.FaultKind k = c.fault();
        if (k.refuseUpgrade()) {
            return new Fault.WsRefuseUpgrade(Trigger.any(), -1, 403, 2000.0);
        }
        if (k.ws() != null) {
            return ws(Trigger.onEvent("status", 1), k.ws(), null);
        }
        return http(Trigger.onRoute("POST", "/prompt"), k.http());
    }

    /** Faults that need the prompt id (installed in beforeSubmit, before the POST). */
    private static Fault promptBoundFault(MatrixCase c, String pid) {
        MatrixCase.FaultKind k = c.fault();
        Trigger t = switch (c.phase()) {
            case FIRST_NODE -> Trigger.onEvent("executing", 1).forPrompt(pid);
            case MID_SAMPLER -> new Trigger(pid, null, null, null, "progress", null, 4, null, null, null);
            case BETWEEN_NODES -> Trigger.onEvent("executed", 1).forPrompt(pid);
            case AFTER_SUCCESS_BEFORE_HISTORY -> k.isWebSocket()
                    ? Trigger.onEvent("execution_success", 1).forPrompt(pid) : Trigger.onRoute("GET", "/history/*");
            default -> null;
        };
        if (t == null || c.phase() == Phase.MID_SAMPLER && !k.isWebSocket()) {
            return null;
        }
        if (k.refuseUpgrade()) {
            return ws(t, WsAction.RST, 2000.0);
        }
        return k.ws() != null ? ws(t, k.ws(), null) : http(t, k.http());
    }

    /** Faults installed once the engine reports the phase (queued behind a blocker, or running a long sampler). */
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
        return http(Trigger.onRoute("GET", "/queue"), k.http());
    }

    static Fault ws(Trigger t, WsAction a, Double refuseReconnectMs) {
        return new Fault.WsFault(t, 1, a, null, null, refuseReconnectMs, null, null);
    }

    static Fault http(Trigger t, HttpAction a) {
        return switch (a) {
            case STATUS -> new Fault.HttpFault(t, 1, a, 503, null, null);
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
        // The history write may lag the success message (held back on purpose in some rows): wait for it.
        waitFor(() -> {
            try {
                return !serverOutputs(api, r.promptId()).isEmpty();
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(5));
        Set<String> produced = serverOutputs(api, r.promptId());
        Set<String> reported = new HashSet<>();
        for (OutputRef o : r.outputs()) {
            if ("output".equals(o.type())) {
                reported.add(o.nodeId() + ":" + o.subfolder() + "/" + o.filename());
            }
        }
        if (produced.isEmpty()) {
            problems.add("the server has no outputs in history for a successful prompt");
        }
        if (!produced.equals(reported)) {
            problems.add("outputs reported " + reported + " but the server produced " + produced);
        }
        OutputDownloader downloader = OutputDownloader.defaults();
        LocalDirectorySink sink = new LocalDirectorySink(downloads);
        if (c.phase() == Phase.DURING_DOWNLOAD) {
            FaultControl.Installed f = fake.faults().add(http(Trigger.onRoute("GET", "/view"), c.fault().http()));
            List<DownloadedFile> first = downloader.downloadAll(api, r.outputs(), sink);
            fake.faults().clear();
            if (f.fired() == 0) {
                problems.add("the /view fault never fired");
            }
            List<DownloadedFile> failed = first.stream().filter(d -> !d.ok()).toList();
            if (c.fault().http() == HttpAction.DELAY && failed.isEmpty()) {
                notes.add("delayed /view still within the timeout");
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
            byte[] local = Files.readAllBytes(Path.of(d.location()));
            byte[] remote;
            try (ViewResponse v = api.view(d.output()); InputStream in = v.body()) {
                remote = in.readAllBytes();
            }
            if (!Arrays.equals(local, remote) || local.length == 0) {
                problems.add("output " + d.relativePath() + " differs from /view (" + local.length + " vs "
                        + remote.length + " bytes)");
            }
        }
        if (files.size() != produced.size()) {
            problems.add(files.size() + " files downloaded for " + produced.size() + " outputs");
        }
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
