package io.comfyrun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.comfyrun.fake.FakeComfyUI;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's main run in-process against the real fake server over loopback sockets, in virtual time. */
class RunCommandTest {

    static final Path EXAMPLES = Path.of("..", "examples", "workflows").toAbsolutePath().normalize();
    static final Path TXT2IMG = EXAMPLES.resolve("txt2img.json");
    static final ObjectMapper JSON = new ObjectMapper();

    static FakeComfyUI fake;

    @TempDir
    Path out;

    /** What one CLI run printed and returned. */
    record Run(int code, String stdout, String stderr) {
        List<String> lines() {
            return stdout.lines().toList();
        }
    }

    @BeforeAll
    static void startFake() throws Exception {
        fake = FakeComfyUI.builder().port(0).timeScale(200).seed(7).start();
    }

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    static Run run(String... args) {
        return run(Map.of(), args);
    }

    static Run run(Map<String, String> env, String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = ComfyRun.execute(args, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8), env, false, false);
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    String[] args(String... rest) {
        List<String> all = new ArrayList<>(List.of("run", "--server", fake.baseUrl().toString(), "--out", out.toString()));
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }

    @Test
    void embeddedFakeRunsTheExampleWithThePerNodeLog() throws Exception {
        Run r = run("run", "--fake", "--fake-time-scale", "50", "--out", out.toString(), TXT2IMG.toString());
        assertThat(r.code()).as(r.stdout() + r.stderr()).isZero();
        assertThat(r.stdout())
                .contains("[ComfyUI] started the embedded fake ComfyUI at http://127.0.0.1:")
                .containsPattern("\\[ComfyUI\\] prompt \\w{6}… submitted to http://127\\.0\\.0\\.1:\\d+ \\(websocket\\)")
                .contains("[ComfyUI] node 3 KSampler: ")
                .contains("[ComfyUI] node 9 SaveImage \"Save Image\": wrote ")
                .containsPattern("\\[ComfyUI\\] success in [\\d.]+ (ms|s): 1 output, 7 nodes \\(0 cached\\), tracked by websocket")
                .contains("[ComfyUI] saved ");
        assertThat(pngs(out)).hasSize(1);
    }

    @Test
    void jsonPrintsOneObjectPerLineEndingWithTheResult() throws Exception {
        Run r = run(args("--json", "--set", "KSampler.seed=101", TXT2IMG.toString()));
        assertThat(r.code()).as(r.stderr()).isZero();
        List<JsonNode> objects = new ArrayList<>();
        for (String line : r.lines()) {
            objects.add(JSON.readTree(line));
        }
        assertThat(objects).extracting(o -> o.get("event").asText()).contains("submitted", "started", "finished");
        JsonNode result = objects.get(objects.size() - 1);
        assertThat(result.get("event").asText()).isEqualTo("result");
        assertThat(result.get("exitCode").asInt()).isZero();
        assertThat(result.at("/jobs/0/status").asText()).isEqualTo("success");
        assertThat(result.at("/jobs/0/files/0/bytes").asLong()).isPositive();
        assertThat(result.at("/jobs/0/prompts/0/outputs/0/filename").asText()).endsWith(".png");
    }

    @Test
    void invalidInputIsAUsageError(@TempDir Path dir) throws Exception {
        Path ui = dir.resolve("ui.json");
        Files.writeString(ui, "{\"nodes\": [], \"links\": [], \"version\": 0.4}");
        Run r = run(args(ui.toString()));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.stderr()).contains("ui.json").contains("has no node the server would run");

        assertThat(run(args(dir.resolve("missing.json").toString())).code()).isEqualTo(2);
        Run badSet = run(args("--set", "Sampler.seed=1", TXT2IMG.toString()));
        assertThat(badSet.code()).isEqualTo(2);
        assertThat(badSet.stderr()).contains("no node with id, title or class \"Sampler\"");
        Run badTimeout = run(args("--timeout", "soon", TXT2IMG.toString()));
        assertThat(badTimeout.code()).isEqualTo(2);
        assertThat(badTimeout.stderr()).contains("'soon' is not a duration");
        Run noCaCert = run(args("--ca-cert", dir.resolve("no-such-ca.pem").toString(), TXT2IMG.toString()));
        assertThat(noCaCert.code()).isEqualTo(2);
        assertThat(noCaCert.stderr()).contains("no-such-ca.pem").contains("does not exist");
        Path notPem = Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        Run badCaCert = run(args("--ca-cert", notPem.toString(), TXT2IMG.toString()));
        assertThat(badCaCert.code()).isEqualTo(2);
        assertThat(badCaCert.stderr()).contains("key.pem").contains("no PEM certificate");
        Run noToken = run(args("--token-env", "NO_SUCH_VAR_FOR_COMFYRUN", TXT2IMG.toString()));
        assertThat(noToken.code()).isEqualTo(2);
        assertThat(run("run").code()).isEqualTo(2);
        assertThat(pngs(out)).isEmpty();
    }

    @Test
    void rejectedByValidationIsExitThreeWithTheNodeErrors() {
        Run r = run(args("--set", "4.ckpt_name=nope.safetensors", TXT2IMG.toString()));
        assertThat(r.code()).as(r.stdout() + r.stderr()).isEqualTo(3);
        assertThat(r.stdout()).contains("[ComfyUI] rejected by the server's validation")
                .contains("ckpt_name")
                .contains("value_not_in_list");
    }

    @Test
    void unreachableServerIsExitFour() {
        Run r = run("run", "--server", "http://127.0.0.1:1", "--connect-timeout", "2s", "--out", out.toString(), TXT2IMG.toString());
        assertThat(r.code()).as(r.stdout() + r.stderr()).isEqualTo(4);
        assertThat(r.stdout()).contains("unreachable");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS) // the connect deadline is 10 minutes: only a fail-fast passes
    void refusedCredentialsAreExitFourAtOnceNamingTheServerButNotTheToken() throws Exception {
        try (FakeComfyUI guarded = FakeComfyUI.builder().port(0).timeScale(200).requireAuth("Bearer right-5c1e").start()) {
            Run r = run(Map.of("COMFY_TOKEN_FOR_TEST", "wrong-9b3d"), "run", "--server", guarded.baseUrl().toString(),
                    "--token-env", "COMFY_TOKEN_FOR_TEST", "--connect-timeout", "10m", "--timeout", "20m",
                    "--out", out.toString(), TXT2IMG.toString());
            assertThat(r.code()).as(r.stdout() + r.stderr()).isEqualTo(4);
            assertThat(r.stdout()).contains("unreachable").contains("401")
                    .contains("check the credentials configured for " + guarded.baseUrl());
            assertThat(r.stdout() + r.stderr()).doesNotContain("wrong-9b3d").doesNotContain("right-5c1e");
            assertThat(guarded.journal().requests("POST", "/prompt")).isEmpty();
        }
    }

    @Test
    void failedNodeIsExitOne() {
        var fault = fake.faults().executionErrorAt("8", "RuntimeException", "VAE exploded");
        try {
            Run r = run(args("--set", "KSampler.seed=202", TXT2IMG.toString()));
            assertThat(r.code()).as(r.stdout() + r.stderr()).isEqualTo(1);
            assertThat(r.stdout()).containsPattern("\\[ComfyUI\\] failed in .*node 8 VAEDecode.*VAE exploded");
        } finally {
            fake.faults().remove(fault.id());
        }
    }

    @Test
    void batchAndPollOnly() throws Exception {
        Run r = run(args("--poll-only", "--concurrency", "2", "--set", "KSampler.seed=303", TXT2IMG.toString(), TXT2IMG.toString()));
        assertThat(r.code()).as(r.stdout() + r.stderr()).isZero();
        assertThat(r.stdout()).contains("[ComfyUI txt2img] ").contains("[ComfyUI txt2img#2] ")
                .contains("tracked by polling")
                .contains("[ComfyUI] batch: 2 of 2 succeeded; exit code 0");
    }

    @Test
    void chainCarriesTheImageIntoTheNextStep() throws Exception {
        Run r = run(args(EXAMPLES.resolve("chain.json").toString()));
        assertThat(r.code()).as(r.stdout() + r.stderr()).isZero();
        assertThat(r.stdout()).contains("[ComfyUI lighthouse/draft] ").contains("[ComfyUI lighthouse/watercolour] ");
        assertThat(pngs(out)).hasSize(2);
        assertThat(fake.journal().requests("POST", "/upload/image")).isNotEmpty();
    }

    @Test
    void timeoutIsExitFiveAndCancelsOurPrompt() throws Exception {
        // real time here: 10,000 steps at ~20 steps/s would take minutes; the 2 s deadline ends it
        try (FakeComfyUI slow = FakeComfyUI.builder().port(0).timeScale(1).start()) {
            Run r = run("run", "--server", slow.baseUrl().toString(), "--out", out.toString(), "--timeout", "2s",
                    "--set", "KSampler.steps=10000", TXT2IMG.toString());
            assertThat(r.code()).as(r.stdout() + r.stderr()).isEqualTo(5);
            assertThat(r.stdout()).contains("timed out");
            // only OUR prompt is interrupted, by id
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> !slow.journal().requests("POST", "/interrupt").isEmpty());
            assertThat(slow.journal().requests("POST", "/interrupt").get(0).text()).contains("prompt_id");
        }
    }

    @Test
    void completesThroughADroppedSocketARefusedReconnectAndASilentFiveMinuteNodeThenACachedResubmission() throws Exception {
        try (FakeComfyUI faulty = FakeComfyUI.builder().port(0).timeScale(200).seed(11).start()) {
            // VAEDecode is silent for five virtual minutes (no progress events at all)
            faulty.scenario().nodeDuration("VAEDecode", java.time.Duration.ofMinutes(5));
            faulty.faults().wsDrop(io.comfyrun.fake.scenario.Trigger.onEvent("progress", 5),
                    io.comfyrun.fake.scenario.Fault.WsAction.RST, 2_000);
            String[] args = {"run", "--server", faulty.baseUrl().toString(), "--out", out.toString(), TXT2IMG.toString()};
            Run first = run(args);
            assertThat(first.code()).as(first.stdout() + first.stderr()).isZero();
            assertThat(first.stdout())
                    .containsPattern("connection to http://127\\.0\\.0\\.1:\\d+ lost.*; reconnecting")
                    .containsPattern("connection to http://127\\.0\\.0\\.1:\\d+ restored after ")
                    // when its start was not seen, it is reported done without a duration (never "done in 0 ms")
                    .containsPattern("node 8 VAEDecode \"VAE Decode\": done( in [1-9].*)?\\n")
                    .doesNotContain("node 8 VAEDecode \"VAE Decode\": done in 0 ms")
                    .contains("[ComfyUI] success in ");

            Run again = run(args);
            assertThat(again.code()).as(again.stdout() + again.stderr()).isZero();
            assertThat(again.stdout())
                    .contains("[ComfyUI] started; cached 7 nodes")
                    .contains("cached output ComfyUI_00001_.png (replayed from an earlier run; no new file)")
                    .contains("7 nodes (7 cached)");
        }
    }

    static List<Path> pngs(Path dir) throws Exception {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> p.toString().endsWith(".png")).toList();
        }
    }
}
