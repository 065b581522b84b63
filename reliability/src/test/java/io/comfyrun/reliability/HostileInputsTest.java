package io.comfyrun.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.Deadlines;
import io.comfyrun.client.Outcome;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.PromptRequest;
import io.comfyrun.client.PromptResult;
import io.comfyrun.client.PromptSnapshot;
import io.comfyrun.client.ServerAuth;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.files.DownloadedFile;
import io.comfyrun.client.files.LocalDirectorySink;
import io.comfyrun.client.files.OutputDownloader;
import io.comfyrun.client.workflow.InvalidWorkflowException;
import io.comfyrun.client.workflow.Workflow;
import io.comfyrun.client.workflow.WorkflowOverrides;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.scenario.Fault;
import io.comfyrun.fake.scenario.Fault.WsAction;
import io.comfyrun.fake.scenario.Trigger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Hostile inputs, from users and from servers: each must end in a clear error naming the fault, and nothing
 * already produced may be lost. Rewrites the hostile-inputs section of docs/reliability.md.
 */
class HostileInputsTest {

    private static final List<String[]> ROWS = new CopyOnWriteArrayList<>();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    FakeComfyUI fake;
    ComfyClient client;

    @BeforeEach
    void start() {
        fake = FakeComfyUI.builder().port(0).timeScale(CaseRunner.TIME_SCALE).seed(7).start();
        client = CaseRunner.newClient();
    }

    @AfterEach
    void stop() {
        client.close();
        fake.close();
    }

    static void row(String input, String handling) {
        ROWS.add(new String[] {input, handling.replaceAll("\\s+", " ").replace("|", "/")});
    }

    // ------------------------------------------------------------------ user input

    @Test
    void malformedJsonNamesTheSourceLineAndColumn() {
        Throwable t = catchThrowable(() -> Workflow.parse("{\"3\": {\"class_type\": \"KSampler\",, }}", "night.json"));
        assertThat(t).isInstanceOf(InvalidWorkflowException.class);
        assertThat(t.getMessage()).contains("night.json").contains("invalid JSON").contains("line 1");
        row("malformed JSON", t.getMessage());
    }

    @Test
    void uiFormatExportIsRecognisedAndTheFixNamed() {
        String ui = "{\"last_node_id\": 9, \"nodes\": [{\"id\": 3, \"type\": \"KSampler\"}], \"links\": [], \"version\": 0.4}";
        Throwable t = catchThrowable(() -> Workflow.parse(ui, "ui-export.json"));
        assertThat(t).isInstanceOf(InvalidWorkflowException.class);
        assertThat(t.getMessage()).contains("ui-export.json").contains("Save (API)");
        row("UI-format workflow (the editor's Save)", t.getMessage());
    }

    @Test
    void emptyWorkflowsAreRefusedBeforeAnythingIsSent() {
        Throwable blank = catchThrowable(() -> Workflow.parse("  ", "empty.json"));
        assertThat(blank).isInstanceOf(InvalidWorkflowException.class).hasMessageContaining("empty.json")
                .hasMessageContaining("empty");
        Throwable noNodes = catchThrowable(() -> Workflow.parse("{}", "nodes.json"));
        assertThat(noNodes).isInstanceOf(InvalidWorkflowException.class).hasMessageContaining("nodes.json");
        Throwable request = catchThrowable(() -> PromptRequest.of(JSON.createObjectNode()));
        assertThat(request).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThat(fake.journal().requests("POST", "/prompt")).isEmpty();
        row("empty workflow (blank text, `{}`, empty graph)", blank.getMessage() + " / " + noNodes.getMessage());
    }

    @Test
    void hugeWorkflowFileIsRefusedWithoutReadingIt() throws Exception {
        Path huge = tmp.resolve("huge.json");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(Workflow.MAX_BYTES + 1); // sparse: nothing is written
        }
        Throwable t = catchThrowable(() -> Workflow.parse(huge));
        assertThat(t).isInstanceOf(InvalidWorkflowException.class).hasMessageContaining("huge.json")
                .hasMessageContaining("too large");
        row("huge workflow (32 MiB + 1 byte file)", t.getMessage());
    }

    @Test
    void unknownNodeIsRejectedByTheServerWithNodeAndClassNamed() throws Exception {
        ObjectNode wf = Workflows.txt2img(3, 4);
        ((ObjectNode) wf.get("8")).put("class_type", "NoSuchUpscaler");
        PromptResult r = client.submit(CaseRunner.serverConfig(fake, false), PromptRequest.of(wf), null).result()
                .get(30, TimeUnit.SECONDS);
        assertThat(r.outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(r.firstError()).contains("NoSuchUpscaler");
        row("unknown node class (`NoSuchUpscaler`)", "rejected: " + r.firstError());
    }

    @Test
    void badOverridesNameTheOverride() {
        Workflow wf = Workflow.fromJson(Workflows.txt2img(3, 4), "wf.json");
        StringBuilder seen = new StringBuilder();
        for (String spec : List.of("99.seed=1", "3.no_such_input=1", "3.steps=many", "CLIPTextEncode.text=x",
                "3.model=oops", "seed=1")) {
            Throwable t = catchThrowable(() -> wf.with(WorkflowOverrides.parse(List.of(spec))));
            assertThat(t).as(spec).isInstanceOf(InvalidWorkflowException.class);
            String key = spec.substring(0, spec.indexOf('='));
            assertThat(t.getMessage()).as(spec).containsAnyOf(key, key.substring(key.indexOf('.') + 1));
            seen.append('`').append(spec).append("` → ").append(t.getMessage()).append("<br>");
        }
        row("bad overrides (missing node, missing input, wrong type, ambiguous class, linked input, no node part)",
                seen.toString());
    }

    @Test
    void nonUuidPromptIdsAreRefusedOnResume() {
        ServerConfig server = CaseRunner.serverConfig(fake, true);
        for (String id : List.of("../../interrupt", "", "not-a-uuid", "3b1f\u0000")) {
            Throwable t = catchThrowable(() -> client.resume(new PromptSnapshot(URI.create(fake.baseUrl() + "/"), null,
                    id, Deadlines.DEFAULTS, Instant.now(), Instant.now(), null, null, null), server, null));
            assertThat(t).as(id).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prompt id");
        }
        assertThat(fake.journal().requests("POST", "/interrupt")).isEmpty();
        Throwable t = catchThrowable(() -> client.resume(new PromptSnapshot(URI.create(fake.baseUrl() + "/"), null,
                "../../interrupt", Deadlines.DEFAULTS, Instant.now(), Instant.now(), null, null, null), server, null));
        row("non-UUID prompt ids given to resume (`../../interrupt`, empty, `not-a-uuid`, NUL)", t.getMessage());
    }

    // ------------------------------------------------------------------ server output names

    @Test
    void outputSubfolderWithDotDotFromTheServerIsRefusedAndTheOtherOutputKept() throws Exception {
        hostileOutputName("a/../escaped/x", "subfolder with `..` from the server (`a/../escaped`)");
    }

    @Test
    void outputNameWithControlCharactersFromTheServerIsRefusedAndTheOtherOutputKept() throws Exception {
        hostileOutputName("bell\u0007\u001b[31mred", "output name with control characters (BEL, ESC) from the server");
    }

    private void hostileOutputName(String prefix, String label) throws Exception {
        PromptResult r = client.submit(CaseRunner.serverConfig(fake, false),
                PromptRequest.of(Workflows.txt2img(11, 4, prefix, "kept")), null).result().get(30, TimeUnit.SECONDS);
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.outputs()).as("the hostile output is still reported").hasSize(2);
        Path out = tmp.resolve("out");
        List<DownloadedFile> files = OutputDownloader.defaults().downloadAll(client.http(CaseRunner.serverConfig(fake, false)),
                r.outputs(), new LocalDirectorySink(out));
        DownloadedFile hostile = files.stream().filter(f -> f.output().nodeId().equals("9")).findFirst().orElseThrow();
        DownloadedFile kept = files.stream().filter(f -> f.output().nodeId().equals("10")).findFirst().orElseThrow();
        assertThat(hostile.ok()).isFalse();
        assertThat(hostile.error()).contains("refused output of node 9");
        assertThat(kept.ok()).as("the other output is delivered").isTrue();
        assertThat(Files.readAllBytes(Path.of(kept.location())))
                .isEqualTo(view(r.outputs().stream().filter(o -> o.nodeId().equals("10")).findFirst().orElseThrow()));
        try (Stream<Path> all = Files.walk(tmp)) {
            assertThat(all.filter(Files::isRegularFile).map(p -> tmp.relativize(p).toString()))
                    .containsExactly("out/" + kept.relativePath());
        }
        row(label, hostile.error() + "; the other output was downloaded intact");
    }

    @Test
    void absoluteAndNulOutputNamesAreRefused() throws Exception {
        // The fake's SaveImage (like ComfyUI's) refuses to write such names, so these are the names a modified or
        // compromised server could announce, handed to the downloader as it would receive them.
        List<OutputRef> hostile = List.of(new OutputRef("9", "passwd", "/etc", "output", "images"),
                new OutputRef("9", "/etc/passwd", "", "output", "images"),
                new OutputRef("9", "x\u0000.png", "", "output", "images"),
                new OutputRef("9", "x.png", "a\u0000b", "output", "images"),
                new OutputRef("9", "x.png", "C:\\Windows", "output", "images"));
        List<DownloadedFile> files = OutputDownloader.defaults().downloadAll(client.http(CaseRunner.serverConfig(fake, false)),
                hostile, new LocalDirectorySink(tmp.resolve("out")));
        assertThat(files).hasSize(hostile.size()).allSatisfy(f -> {
            assertThat(f.ok()).isFalse();
            assertThat(f.error()).contains("refused output of node 9");
        });
        assertThat(fake.journal().requests("GET", "/view")).as("nothing was even requested").isEmpty();
        StringBuilder b = new StringBuilder();
        files.forEach(f -> b.append(f.error()).append("<br>"));
        row("absolute paths and NUL in output names/subfolders (as a compromised server would announce them)",
                b.toString().replace("\u0000", "\\0"));
    }

    @Test
    void dotDotFilenameAndControlCharacterSubfolderAreRefusedAndTheRealOutputsKept() throws Exception {
        ServerConfig server = CaseRunner.serverConfig(fake, false);
        PromptResult r = client.submit(server, PromptRequest.of(Workflows.txt2img(18, 4)), null).result()
                .get(30, TimeUnit.SECONDS);
        // as a compromised server would announce them in history or `executed`, beside the real outputs
        List<OutputRef> announced = new java.util.ArrayList<>(r.outputs());
        announced.add(new OutputRef("9", "..", "", "output", "images"));
        announced.add(new OutputRef("9", "x.png", "sub\u001b[2Jdir", "output", "images"));
        List<DownloadedFile> files = OutputDownloader.defaults().downloadAll(client.http(server), announced,
                new LocalDirectorySink(tmp.resolve("out")));
        List<DownloadedFile> refused = files.stream().filter(f -> !f.ok()).toList();
        assertThat(refused).hasSize(2).allSatisfy(f -> assertThat(f.error()).contains("refused output of node 9"));
        assertThat(refused.get(0).error()).contains("'..'");
        assertThat(refused.get(1).error()).contains("control character");
        assertThat(files.stream().filter(DownloadedFile::ok)).hasSize(r.outputs().size()).allSatisfy(f -> {
            try {
                assertThat(Files.readAllBytes(Path.of(f.location()))).isEqualTo(view(f.output()));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        row("`..` as a filename and ESC in a subfolder, announced beside real outputs", refused.get(0).error() + "<br>"
                + refused.get(1).error().replace("\u001b", "\\e") + "<br>the " + r.outputs().size()
                + " real outputs were downloaded intact");
    }

    @Test
    void redirectOnViewIsNotFollowedAndTheFileNamed() throws Exception {
        String secret = "s3cr3t-" + UUID.randomUUID();
        StringBuilder b = new StringBuilder();
        for (int status : new int[] {302, 307, 308}) {
            try (HostileHttpServer other = HostileHttpServer.recording();
                 HostileHttpServer redirecting = HostileHttpServer.redirectingTo(other.baseUrl(), status)) {
                ServerConfig server = new ServerConfig(redirecting.baseUrl(), ServerAuth.bearer(secret), null,
                        CaseRunner.serverConfig(fake, false).timeouts(), null, null, null);
                OutputRef ref = new OutputRef("9", "moved.png", "", "output", "images");
                List<DownloadedFile> files = OutputDownloader.defaults().downloadAll(client.http(server), List.of(ref),
                        new LocalDirectorySink(tmp.resolve("out-" + status)));
                assertThat(files).singleElement().satisfies(f -> {
                    assertThat(f.ok()).isFalse();
                    assertThat(f.error()).contains("moved.png").contains(String.valueOf(status));
                    assertThat(f.error()).doesNotContain(secret);
                });
                assertThat(other.requests()).as("nothing reached the other host").isEmpty();
                assertThat(Files.exists(tmp.resolve("out-" + status).resolve("moved.png"))).isFalse();
                b.append(status).append(": ").append(files.get(0).error()).append("<br>");
            }
        }
        row("redirect (302, 307, 308) on `/view` to another host", b + "0 requests reached the other host");
    }

    @Test
    void downloadOverTheSizeCapFailsCleanlyAndTheOutputStaysOnTheServer() throws Exception {
        ServerConfig server = CaseRunner.serverConfig(fake, false);
        PromptResult r = client.submit(server, PromptRequest.of(Workflows.txt2img(12, 4)), null).result()
                .get(30, TimeUnit.SECONDS);
        Path out = tmp.resolve("out");
        List<DownloadedFile> capped = OutputDownloader.defaults().withMaxBytes(64)
                .downloadAll(client.http(server), r.outputs(), new LocalDirectorySink(out));
        assertThat(capped).isNotEmpty().allSatisfy(f -> {
            assertThat(f.ok()).isFalse();
            assertThat(f.error()).contains("64-byte cap").contains(f.output().filename());
        });
        if (Files.exists(out)) {
            try (Stream<Path> s = Files.walk(out)) {
                assertThat(s.filter(Files::isRegularFile)).as("no partial file").isEmpty();
            }
        }
        List<DownloadedFile> again = OutputDownloader.defaults().downloadAll(client.http(server), r.outputs(),
                new LocalDirectorySink(out));
        assertThat(again).allSatisfy(f -> assertThat(f.ok()).isTrue());
        row("download over the size cap (64 bytes)", capped.get(0).error() + "; nothing left behind, a later "
                + "download with the default cap gets the file");
    }

    // ------------------------------------------------------------------ WebSocket frames

    @Test
    void malformedJsonFrameIsIgnoredAndNamedInTheLog() throws Exception {
        fake.faults().add(CaseRunner.ws(Trigger.onEvent("executing", 2), WsAction.MALFORMED_JSON, null));
        try (EngineLog log = EngineLog.capture()) {
            survives("malformed JSON WebSocket frame (mid-prompt)", log, "malformed");
        }
    }

    @Test
    void oversizedTextFrameIsIgnoredAndNamedInTheLog() throws Exception {
        fake.faults().add(new Fault.WsFault(Trigger.onEvent("executing", 2), 1, WsAction.OVERSIZED_FRAME, null, null,
                null, 24 * 1024 * 1024, "text"));
        try (EngineLog log = EngineLog.capture()) {
            survives("oversized WebSocket text frame (24 MiB JSON message of an unknown type)", log, "oversized");
        }
    }

    @Test
    void oversizedBinaryPreviewIsIgnoredAndNamedInTheLog() throws Exception {
        fake.faults().add(new Fault.WsFault(Trigger.onEvent("executing", 2), 1, WsAction.OVERSIZED_FRAME, null, null,
                null, 24 * 1024 * 1024, null));
        try (EngineLog log = EngineLog.capture()) {
            survives("oversized WebSocket binary frame (24 MiB type-1 preview)", log, "oversized binary");
        }
    }

    @Test
    void nonUtf8FrameIsSurvived() throws Exception {
        byte[] frame = {(byte) 0x81, 6, '{', '"', (byte) 0xC3, (byte) 0x28, (byte) 0xFF, '}'};
        try (TcpRelay relay = new TcpRelay(fake.baseUrl(), javax.net.ServerSocketFactory.getDefault(), frame);
             EngineLog log = EngineLog.capture()) {
            ServerConfig server = CaseRunner.serverConfig(fake, false);
            server = new ServerConfig(URI.create("http://127.0.0.1:" + relay.port() + "/"), null, null,
                    server.timeouts(), server.mode(), null, null);
            PromptResult r = client.submit(server, PromptRequest.of(Workflows.txt2img(13, 4)), null).result()
                    .get(30, TimeUnit.SECONDS);
            assertThat(relay.injections()).as("the non-UTF-8 frame was delivered").isPositive();
            assertThat(log.records()).as("the engine names the frame it ignored")
                    .anySatisfy(m -> assertThat(m).contains("malformed").contains("WebSocket text frame"));
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(CaseRunner.serverOutputs(client.http(server), r.promptId())).hasSize(r.outputs().size());
            row("non-UTF-8 text WebSocket frame (injected after the upgrade)", "ignored; prompt "
                    + r.outcome().label() + " with " + r.outputs().size() + " outputs; logged: "
                    + log.first("malformed"));
        }
    }

    private void survives(String label, EngineLog log, String logged) throws Exception {
        // An engine of its own, with a 10 s ping and no early silence check: on a loaded machine reading a 24 MiB
        // frame takes long enough for the shared engine's 300 ms ping (the pong waits behind the frame) or its short
        // silence check (the prompt ends in /history while its events queue behind the frame: "deaf") to replace the
        // socket before the frame is read. Neither liveness nor deafness is what these cases test.
        ServerConfig shared = CaseRunner.serverConfig(fake, false);
        ServerConfig server = shared.withTimeouts(shared.timeouts().withPing(Duration.ofSeconds(10)));
        try (ComfyClient own = ComfyClient.builder().silenceReconcile(Duration.ofMinutes(5)).build()) {
            PromptResult r = own.submit(server, PromptRequest.of(Workflows.txt2img(14, 4)), null).result()
                    .get(30, TimeUnit.SECONDS);
            assertThat(fake.faults().list()).allSatisfy(i -> assertThat(i.fired()).isPositive());
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(CaseRunner.serverOutputs(own.http(server), r.promptId())).hasSize(r.outputs().size());
            assertThat(log.records()).as("the engine names the frame it ignored")
                    .anySatisfy(m -> assertThat(m).contains(logged).contains("WebSocket"));
            row(label, "ignored; prompt " + r.outcome().label() + " with all " + r.outputs().size() + " outputs; logged: "
                    + log.first(logged));
        }
    }

    /** The engine's log records (JUL, where System.Logger lands) while a test runs, at every level. */
    static final class EngineLog extends java.util.logging.Handler implements AutoCloseable {
        private final List<String> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final java.util.logging.Logger logger = java.util.logging.Logger.getLogger("io.comfyrun.client");
        private java.util.logging.Level before;

        static EngineLog capture() {
            EngineLog l = new EngineLog();
            l.before = l.logger.getLevel();
            l.setLevel(java.util.logging.Level.ALL);
            l.logger.setLevel(java.util.logging.Level.ALL);
            l.logger.addHandler(l);
            return l;
        }

        List<String> records() {
            return List.copyOf(records);
        }

        /** The part of the first record containing {@code text} that starts there (the engine's own wording). */
        String named(String text) {
            String m = records.stream().filter(r -> r.contains(text)).findFirst().orElse("(none)");
            int at = m.lastIndexOf(" on http", m.indexOf(text));
            int route = at < 0 ? -1 : m.lastIndexOf(' ', m.lastIndexOf(' ', at - 1) - 1); // "METHOD /path on http..."
            return at < 0 ? m : m.substring(route + 1).replaceAll("\\s+", " ");
        }

        String first(String containing) {
            String m = records.stream().filter(r -> r.contains(containing)).findFirst().orElse("(none)");
            return m.length() > 160 ? m.substring(0, 160) + "..." : m;
        }

        @Override
        public void publish(java.util.logging.LogRecord r) {
            records.add(new java.util.logging.SimpleFormatter().formatMessage(r));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
            logger.setLevel(before);
        }
    }

    // ------------------------------------------------------------------ hostile servers

    @Test
    void responseThatTricklesForeverEndsAsUnreachableWithinTheDeadline() throws Exception {
        try (HostileHttpServer trickle = HostileHttpServer.trickling()) {
            ServerConfig server = new ServerConfig(trickle.baseUrl(), null, null,
                    CaseRunner.serverConfig(fake, false).timeouts(), null, null, null);
            PromptResult r = client.submit(server, PromptRequest.of(Workflows.txt2img(15, 4))
                    .withDeadlines(Deadlines.DEFAULTS.withConnect(Duration.ofSeconds(3))), null).result()
                    .get(30, TimeUnit.SECONDS);
            assertThat(r.outcome()).isEqualTo(Outcome.UNREACHABLE);
            assertThat(r.firstError()).contains(trickle.baseUrl().toString());
            row("HTTP response that trickles forever (1 byte / 200 ms)", "unreachable: " + r.firstError());
        }
    }

    @Test
    void downloadThatTricklesForeverIsBounded() throws Exception {
        try (HostileHttpServer trickle = HostileHttpServer.trickling()) {
            ServerConfig server = new ServerConfig(trickle.baseUrl(), null, null,
                    CaseRunner.serverConfig(fake, false).timeouts(), null, null, null);
            OutputRef ref = new OutputRef("9", "slow.png", "", "output", "images");
            CompletableFuture<List<DownloadedFile>> dl = CompletableFuture.supplyAsync(() -> OutputDownloader.defaults()
                    .withTimeout(Duration.ofSeconds(3)).downloadAll(client.http(server), List.of(ref), new LocalDirectorySink(tmp.resolve("out"))));
            List<DownloadedFile> files = dl.get(30, TimeUnit.SECONDS);
            assertThat(files).singleElement().satisfies(f -> {
                assertThat(f.ok()).isFalse();
                assertThat(f.error()).contains("slow.png");
            });
            row("`/view` download that trickles forever (per-file timeout 3 s here, 30 min by default)", files.get(0).error());
        }
    }

    @Test
    void redirectToAnotherHostNeverCarriesTheCredential() throws Exception {
        String secret = "s3cr3t-" + UUID.randomUUID();
        try (HostileHttpServer other = HostileHttpServer.recording();
             HostileHttpServer redirecting = HostileHttpServer.redirectingTo(other.baseUrl())) {
            ServerConfig server = new ServerConfig(redirecting.baseUrl(), ServerAuth.bearer(secret), null,
                    CaseRunner.serverConfig(fake, false).timeouts(), null, null, null);
            PromptResult r = client.submit(server, PromptRequest.of(Workflows.txt2img(16, 4))
                    .withDeadlines(Deadlines.DEFAULTS.withConnect(Duration.ofSeconds(3)).withSubmit(Duration.ofSeconds(5))
                            .withTotal(Duration.ofSeconds(8))), null).result().get(30, TimeUnit.SECONDS);
            assertThat(redirecting.requests()).as("the configured server got the credential")
                    .anySatisfy(h -> assertThat(h).contains(secret));
            assertThat(other.requests()).as("the other host never did").noneSatisfy(h -> assertThat(h).contains(secret));
            assertThat(other.requests()).noneSatisfy(h -> assertThat(h.toLowerCase()).contains("authorization"));
            assertThat(r.outcome()).isEqualTo(Outcome.UNREACHABLE);
            assertThat(r.firstError()).contains("302").contains("redirects are not followed");
            assertThat(r.toString()).doesNotContain(secret);
            row("redirect (302) to another host", "not followed (" + other.requests().size() + " requests reached the "
                    + "other host); prompt " + r.outcome().label() + ": " + r.firstError());
        }
    }

    /** Polling through {@code h} (no WebSocket: the relay speaks plain HTTP), with the matrix's timeouts. */
    private ServerConfig pollingVia(HostileHttpServer h, ServerAuth auth) {
        ServerConfig p = CaseRunner.serverConfig(fake, true);
        return new ServerConfig(h.baseUrl(), auth, null, p.timeouts(), p.mode(), p.pollMin(), p.pollMax());
    }

    @Test
    void answerToPostPromptThatTricklesForeverIsCutAtTheCallTimeoutAndNotPostedTwice() throws Exception {
        try (HostileHttpServer h = HostileHttpServer.relaying(fake.baseUrl(),
                new HostileHttpServer.Hostile("POST", "/prompt", Integer.MAX_VALUE, true, null));
             EngineLog log = EngineLog.capture()) {
            ServerConfig server = pollingVia(h, null);
            PromptResult r = client.submit(server, PromptRequest.of(Workflows.txt2img(18, 4)), null).result()
                    .get(60, TimeUnit.SECONDS);
            long callMs = server.timeouts().call().toMillis();
            assertThat(log.records()).as("the engine names the route and the bound that cut the answer off")
                    .anySatisfy(m -> assertThat(m).contains("POST /prompt").contains("call timeout of " + callMs + " ms"));
            assertThat(fake.journal().requests("POST", "/prompt")).as("found in /queue, never posted again").hasSize(1);
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            row("answer to `POST /prompt` that trickles forever (after a healthy `/system_stats` probe; the server did "
                    + "queue the prompt)", "cut off at the call timeout: " + log.named("gave no complete answer")
                    + "; the engine found the prompt in `/queue` instead of posting it again (1 POST), prompt "
                    + r.outcome().label());
        }
    }

    @Test
    void answerToHistoryThatTricklesIsCutAtTheCallTimeoutAndAskedAgain() throws Exception {
        try (HostileHttpServer h = HostileHttpServer.relaying(fake.baseUrl(),
                new HostileHttpServer.Hostile("GET", "/history/", 1, true, null));
             EngineLog log = EngineLog.capture()) {
            ServerConfig server = pollingVia(h, null);
            PromptResult r = client.submit(server, PromptRequest.of(Workflows.txt2img(19, 4)), null).result()
                    .get(60, TimeUnit.SECONDS);
            long callMs = server.timeouts().call().toMillis();
            assertThat(log.records()).anySatisfy(m -> assertThat(m).contains("GET /history/" + r.promptId())
                    .contains("call timeout of " + callMs + " ms"));
            assertThat(fake.journal().requests("POST", "/prompt")).hasSize(1);
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(CaseRunner.serverOutputs(client.http(CaseRunner.serverConfig(fake, true)), r.promptId()))
                    .hasSize(r.outputs().size());
            row("answer to `GET /history/{id}` that trickles forever (polling, after a healthy probe)",
                    "cut off at the call timeout: " + log.named("gave no complete answer") + "; asked again on the next poll, "
                            + "prompt " + r.outcome().label() + " with all " + r.outputs().size() + " outputs, 1 POST");
        }
    }

    @Test
    void temporaryAndPermanentRedirectOnPostPromptAreNotFollowed() throws Exception {
        String secret = "s3cr3t-" + UUID.randomUUID();
        StringBuilder b = new StringBuilder();
        for (int status : new int[] {307, 308}) {
            try (HostileHttpServer other = HostileHttpServer.recording();
                 HostileHttpServer h = HostileHttpServer.relaying(fake.baseUrl(), new HostileHttpServer.Hostile("POST",
                         "/prompt", Integer.MAX_VALUE, false, HostileHttpServer.answer(status, "Location: "
                         + other.baseUrl() + "prompt\r\n", "")))) {
                PromptResult r = client.submit(pollingVia(h, ServerAuth.bearer(secret)),
                        PromptRequest.of(Workflows.txt2img(20, 4)), null).result().get(30, TimeUnit.SECONDS);
                assertThat(r.outcome()).isEqualTo(Outcome.UNREACHABLE);
                assertThat(r.firstError()).contains("POST /prompt").contains(String.valueOf(status))
                        .contains("redirect to").contains("another host: 127.0.0.1:" + other.baseUrl().getPort())
                        .contains("redirects are not followed").doesNotContain(secret);
                assertThat(other.requests()).as("nothing reached the other host").isEmpty();
                assertThat(h.requests()).as("the configured server did get the credential")
                        .anySatisfy(head -> assertThat(head).contains(secret));
                assertThat(fake.journal().requests("POST", "/prompt")).as("the redirect answered instead").isEmpty();
                assertThat(h.requests().stream().filter(head -> head.startsWith("POST /prompt"))).hasSize(1);
                b.append(status).append(": ").append(r.firstError()).append("<br>");
            }
        }
        row("redirect (307, 308) on `POST /prompt` to another host, after a healthy probe",
                b + "not followed, posted once, 0 requests reached the other host");
    }

    @Test
    void nonUuidPromptIdAnnouncedByTheServerIsRefused() throws Exception {
        try (HostileHttpServer h = HostileHttpServer.relaying(fake.baseUrl(), new HostileHttpServer.Hostile("POST",
                "/prompt", 1, true, HostileHttpServer.answer(200, "",
                "{\"prompt_id\": \"../../etc\", \"number\": 1, \"node_errors\": {}}")))) {
            PromptResult r = client.submit(pollingVia(h, null), PromptRequest.of(Workflows.txt2img(27, 4)), null)
                    .result().get(30, TimeUnit.SECONDS);
            assertThat(r.outcome()).isEqualTo(Outcome.UNREACHABLE);
            assertThat(r.firstError()).contains("'../../etc'").contains("not a UUID").contains("POST /prompt");
            assertThat(h.requests()).as("no request path built from it").noneSatisfy(head ->
                    assertThat(head.lines().findFirst().orElse("")).contains("etc"));
            assertThat(fake.journal().requests("POST", "/prompt")).hasSize(1);
            row("non-UUID prompt id announced by the server (`POST /prompt` answers `\"prompt_id\": \"../../etc\"`)",
                    r.outcome().label() + ": " + r.firstError() + "; no request built from it, posted once");
        }
        // The same id in a WebSocket event: not ours, so ignored; never put in a path.
        String event = "{\"type\": \"executing\", \"data\": {\"node\": \"3\", \"prompt_id\": \"../../etc\"}}";
        byte[] payload = event.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] frame = new byte[payload.length + 2];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 2, payload.length);
        try (TcpRelay relay = new TcpRelay(fake.baseUrl(), javax.net.ServerSocketFactory.getDefault(), frame)) {
            ServerConfig ws = CaseRunner.serverConfig(fake, false);
            ws = new ServerConfig(URI.create("http://127.0.0.1:" + relay.port() + "/"), null, null, ws.timeouts(),
                    ws.mode(), null, null);
            PromptResult r = client.submit(ws, PromptRequest.of(Workflows.txt2img(28, 4)), null).result()
                    .get(30, TimeUnit.SECONDS);
            assertThat(relay.injections()).isPositive();
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(fake.journal().entries(e -> e.path() != null && e.path().contains("etc"))).isEmpty();
            assertThat(fake.journal().requests("POST", "/prompt")).hasSize(2);
            row("non-UUID prompt id in a WebSocket event (`executing` for `../../etc`)", "not ours: ignored, never put "
                    + "in a request path; our prompt " + r.outcome().label());
        }
    }

    @Test
    void selfSignedCertificateIsRefusedUnlessTrusted() throws Exception {
        SelfSignedTls tls = SelfSignedTls.generate();
        try (TcpRelay front = new TcpRelay(fake.baseUrl(), tls.serverSocketFactory(), null)) {
            ServerConfig server = new ServerConfig(URI.create("https://127.0.0.1:" + front.port() + "/"), null, null,
                    CaseRunner.serverConfig(fake, false).timeouts(), null, null, null);
            PromptResult refused = client.submit(server, PromptRequest.of(Workflows.txt2img(17, 4))
                    .withDeadlines(Deadlines.DEFAULTS.withConnect(Duration.ofSeconds(3))), null).result()
                    .get(30, TimeUnit.SECONDS);
            assertThat(refused.outcome()).isEqualTo(Outcome.UNREACHABLE);
            assertThat(refused.firstError()).contains("certificate is not trusted").contains("--ca-cert");
            assertThat(fake.journal().requests("POST", "/prompt")).as("nothing passed the TLS front").isEmpty();

            // Another certificate in the file: still refused, and the file is named.
            Path wrong = SelfSignedTls.generate().writePem(tmp.resolve("other-ca.pem"));
            PromptResult stillRefused = client.submit(server.withTrustedCertificates(wrong),
                    PromptRequest.of(Workflows.txt2img(17, 4)).withDeadlines(Deadlines.DEFAULTS
                            .withConnect(Duration.ofSeconds(3))), null).result().get(30, TimeUnit.SECONDS);
            assertThat(stillRefused.outcome()).isEqualTo(Outcome.UNREACHABLE);
            assertThat(stillRefused.firstError()).contains("not trusted").contains(wrong.toString());

            // Configured for this server only: its certificate in a PEM file. HTTPS and WSS both use it.
            Path pem = tls.writePem(tmp.resolve("comfyui.pem"));
            PromptResult trusted = client.submit(server.withTrustedCertificates(pem),
                    PromptRequest.of(Workflows.txt2img(17, 4)), null).result().get(30, TimeUnit.SECONDS);
            assertThat(trusted.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(trusted.method()).isEqualTo(io.comfyrun.client.TrackingMethod.WEBSOCKET);

            // A missing, an empty and a broken file are named when the config is made.
            StringBuilder bad = new StringBuilder();
            Path missing = tmp.resolve("missing.pem");
            Path empty = Files.writeString(tmp.resolve("empty.pem"), "");
            Path broken = Files.writeString(tmp.resolve("broken.pem"),
                    "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");
            for (Path p : List.of(missing, empty, broken)) {
                Throwable t = catchThrowable(() -> server.withTrustedCertificates(p));
                assertThat(t).as(p.toString()).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(p.toString());
                bad.append(t.getMessage().replace(tmp.toString(), "…")).append("<br>");
            }
            row("self-signed TLS certificate", "refused: " + refused.firstError() + "<br>with another certificate "
                    + "configured: " + stillRefused.firstError().replace(tmp.toString(), "…") + "<br>with its PEM "
                    + "configured for this server (`ServerConfig.withTrustedCertificates`, CLI `--ca-cert`): "
                    + trusted.outcome().label() + " over https and wss<br>bad PEM files: " + bad);
        }
    }

    private byte[] view(OutputRef o) throws Exception {
        try (var v = client.http(CaseRunner.serverConfig(fake, false)).view(o)) {
            return v.body().readAllBytes();
        }
    }

    @AfterAll
    static void publish() {
        StringBuilder b = new StringBuilder();
        b.append("Run by `HostileInputsTest`: **").append(ROWS.size()).append(" hostile-input cases**, each ending in ")
                .append("a clear error that names the fault (or, for broken WebSocket frames, in the prompt ")
                .append("surviving them), with nothing already produced lost.\n\n")
                .append("| # | hostile input | what the user gets |\n|---|---|---|\n");
        int i = 1;
        for (String[] r : ROWS.stream().sorted((a, c) -> a[0].compareTo(c[0])).toList()) {
            b.append("| ").append(i++).append(" | ").append(r[0]).append(" | ").append(r[1]).append(" |\n");
        }
        ReliabilityDoc.writeSection(ReliabilityDoc.HOSTILE, b.toString());
    }
}
