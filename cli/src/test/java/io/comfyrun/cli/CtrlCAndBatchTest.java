package io.comfyrun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.journal.JournalEntry;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C on a real CLI process, fail-fast in a batch, and the live progress bar's text. */
class CtrlCAndBatchTest {

    static final Path TXT2IMG = RunCommandTest.TXT2IMG;

    @TempDir
    Path out;

    /**
     * The JVM running this test, and the classpath surefire gave it (the CLI, the engine and their dependencies),
     * started with SIGINT at its default action, as a terminal's foreground process has it. A build started in the
     * background by a non-interactive shell (a script's {@code mvn ... &}) has SIGINT ignored, every child inherits
     * that, and a JVM that starts with SIGINT ignored installs no handler for it: Ctrl-C could never reach the CLI
     * there (the README's point about SIGTERM), so the test would fail for a reason that is not the CLI's.
     * coreutils' {@code env --default-signal} restores the default before the JVM starts.
     */
    private static List<String> javaCommand() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>();
        if (defaultSignalSupported()) {
            cmd.addAll(List.of("env", "--default-signal=INT"));
        }
        cmd.addAll(List.of(java, "-cp", cp, ComfyRun.class.getName()));
        return cmd;
    }

    private static boolean defaultSignalSupported() throws Exception {
        try {
            Process p = new ProcessBuilder("env", "--default-signal=INT", "true").redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false; // no env: run the JVM directly
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void ctrlCCancelsOnlyOurPromptOnTheServerAndExitsSix() throws Exception {
        try (FakeComfyUI fake = FakeComfyUI.builder().port(0).timeScale(20).seed(3).start()) {
            fake.scenario().stepsPerSecond("KSampler", 0.05); // 20 steps: 400 s virtual, 20 s real
            List<String> cmd = javaCommand();
            cmd.addAll(List.of("run", "--server", fake.baseUrl().toString(), "--out", out.toString(), TXT2IMG.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            List<String> lines = new CopyOnWriteArrayList<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (java.io.IOException e) {
                    // process gone
                }
            }, "cli-stdout");
            reader.start();
            try {
                Awaitility.await().atMost(Duration.ofSeconds(60))
                        .until(() -> lines.stream().anyMatch(l -> l.contains("node 3 KSampler: ")));
                // What a terminal's Ctrl-C sends (Process.destroy() would send SIGTERM).
                Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
                assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the CLI exits after Ctrl-C").isTrue();
            } finally {
                p.destroyForcibly();
            }
            reader.join(5_000);

            assertThat(p.exitValue()).as(String.join("\n", lines)).isEqualTo(6);
            assertThat(lines).anyMatch(l -> l.contains("interrupted: cancelling our prompt(s) on the server"));
            List<JournalEntry> posts = fake.journal().requests("POST", "/prompt");
            assertThat(posts).hasSize(1);
            String promptId = new ObjectMapper().readTree(posts.get(0).text()).path("prompt_id").asText();
            assertThat(promptId).isNotEmpty();
            // Every cancel request named our prompt (the jobs cancel API is tried first; this server answers it 404),
            // and exactly one queue delete or targeted interrupt stopped it: never a global interrupt.
            List<JournalEntry> cancels = fake.journal().entries(e -> e.kind() == JournalEntry.Kind.HTTP_REQUEST
                    && "POST".equals(e.method()) && e.path() != null
                    && (e.path().equals("/queue") || e.path().equals("/interrupt") || e.path().startsWith("/api/jobs/")));
            assertThat(cancels).isNotEmpty().allSatisfy(e -> assertThat(e.path() + " " + e.text()).contains(promptId));
            assertThat(cancels).filteredOn(e -> !e.path().startsWith("/api/jobs/")).singleElement()
                    .satisfies(e -> assertThat(e.text()).contains(promptId));
            assertThat(cancels).filteredOn(e -> e.path().startsWith("/api/jobs/")).hasSizeLessThanOrEqualTo(1);
        }
    }

    @Test
    void failFastStopsTheBatchAtTheFirstFailureAndSubmitsNothingMore() {
        try (FakeComfyUI fake = FakeComfyUI.builder().port(0).timeScale(200).seed(4).start()) {
            fake.faults().executionErrorAt("3", "RuntimeException", "CUDA out of memory"); // the first prompt only
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            ByteArrayOutputStream e = new ByteArrayOutputStream();
            int code = ComfyRun.execute(new String[] {"run", "--server", fake.baseUrl().toString(), "--out", out.toString(),
                            "--concurrency", "1", "--fail-fast", TXT2IMG.toString(), TXT2IMG.toString(), TXT2IMG.toString()},
                    new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8),
                    Map.of(), false, false);
            String stdout = o.toString(StandardCharsets.UTF_8);

            assertThat(code).as(stdout + e.toString(StandardCharsets.UTF_8)).isEqualTo(1);
            assertThat(stdout).contains("CUDA out of memory").contains("skipped")
                    .contains("batch: 0 of 3 succeeded, 2 skipped; exit code 1");
            assertThat(fake.journal().requests("POST", "/prompt")).hasSize(1);
        }
    }

    @Test
    void failFastWithoutItTheBatchKeepsGoing() {
        try (FakeComfyUI fake = FakeComfyUI.builder().port(0).timeScale(200).seed(5).start()) {
            fake.faults().executionErrorAt("3", "RuntimeException", "CUDA out of memory");
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            int code = ComfyRun.execute(new String[] {"run", "--server", fake.baseUrl().toString(), "--out", out.toString(),
                            "--concurrency", "1", TXT2IMG.toString(), TXT2IMG.toString()},
                    new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()),
                    Map.of(), false, false);
            assertThat(code).isEqualTo(1);
            assertThat(o.toString(StandardCharsets.UTF_8)).contains("batch: 1 of 2 succeeded; exit code 1");
            assertThat(fake.journal().requests("POST", "/prompt")).hasSize(2);
        }
    }
}
