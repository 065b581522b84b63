package io.comfyrun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.journal.JournalEntry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CLI started in the background by a non-interactive shell ignores SIGINT, so Ctrl-C cannot reach it; a
 * scheduler, systemd or {@code kill} sends SIGTERM instead, and that must cancel our prompt the same way.
 */
class SigtermTest {

    @TempDir
    Path out;

    @Test
    @EnabledOnOs(OS.LINUX)
    void sigtermCancelsOnlyOurPromptOnTheServerAndExitsSix() throws Exception {
        try (FakeComfyUI fake = FakeComfyUI.builder().port(0).timeScale(20).seed(31).start()) {
            fake.scenario().stepsPerSecond("KSampler", 0.05); // 20 steps: 400 s virtual, 20 s real
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> cmd = new ArrayList<>(List.of(java, "-cp", cp, ComfyRun.class.getName(),
                    "run", "--server", fake.baseUrl().toString(), "--out", out.toString(), RunCommandTest.TXT2IMG.toString()));
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
                Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start();
                assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the CLI exits after SIGTERM").isTrue();
            } finally {
                p.destroyForcibly();
            }
            reader.join(5_000);

            assertThat(p.exitValue()).as(String.join("\n", lines)).isEqualTo(6);
            assertThat(lines).anyMatch(l -> l.contains("interrupted: cancelling our prompt(s) on the server"))
                    .anyMatch(l -> l.equals("[ComfyUI] cancelled"));
            List<JournalEntry> posts = fake.journal().requests("POST", "/prompt");
            assertThat(posts).hasSize(1);
            String promptId = new ObjectMapper().readTree(posts.get(0).text()).path("prompt_id").asText();
            List<JournalEntry> cancels = fake.journal().entries(e -> e.kind() == JournalEntry.Kind.HTTP_REQUEST
                    && "POST".equals(e.method()) && e.path() != null
                    && (e.path().equals("/queue") || e.path().equals("/interrupt") || e.path().startsWith("/api/jobs/")));
            assertThat(cancels).isNotEmpty().allSatisfy(e -> assertThat(e.path() + " " + e.text()).contains(promptId));
        }
    }
}
