package io.comfyrun.fake.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 2's "a published ComfyUI client completes a txt2img against the standalone jar unchanged":
 * runs {@code peers/run-against-fake.sh}, which starts the jar on a free port and drives it with
 * {@code @saintno/comfyui-sdk} and {@code @stable-canvas/comfyui-client} through their public APIs.
 * Runs whenever Node.js is on the PATH (it is on the CI machines here); skipped otherwise.
 */
class PublishedClientsTest {

    @Test
    void bothPublishedNpmClientsCompleteATxt2imgAgainstTheStandaloneJar(@TempDir Path results) throws Exception {
        assumeTrue(onPath("node") && onPath("npm"), "Node.js 20+ with npm is not on the PATH");
        Path peers = Path.of(System.getProperty("peers.dir", "../peers")).toAbsolutePath().normalize();
        Path jar = FakeComfyUIImage.locateJar();

        ProcessBuilder pb = new ProcessBuilder("bash", peers.resolve("run-against-fake.sh").toString(),
                peers.resolve("workflows/txt2img.json").toString(), "60000")
                .redirectErrorStream(true)
                .redirectOutput(results.resolve("run.log").toFile());
        pb.environment().put("FAKE_JAR", jar.toString());
        pb.environment().put("FAKE_ARGS", "--time-scale 20 --seed 42");
        pb.environment().put("RESULTS_DIR", results.toString());
        Process run = pb.start();
        boolean finished = run.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            run.destroyForcibly();
        }
        String log = Files.readString(results.resolve("run.log"), StandardCharsets.UTF_8);
        assertThat(finished).as("peers/run-against-fake.sh did not finish within 5 minutes:\n" + log).isTrue();
        assertThat(run.exitValue()).as("peers/run-against-fake.sh failed:\n" + log).isZero();

        for (String runner : List.of("saintno", "stable-canvas")) {
            JsonNode result = lastJsonLine(results.resolve(runner + ".json"));
            assertThat(result.path("outcome").asText()).as(runner + ": " + result).isEqualTo("success");
            assertThat(result.path("outputs")).as(runner + " outputs").isNotEmpty();
            assertThat(result.path("outputs").get(0).path("bytes").asLong()).as(runner + " downloaded bytes").isPositive();
            assertThat(result.path("events")).as(runner + " events").isNotEmpty();
        }
    }

    private static JsonNode lastJsonLine(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertThat(lines).as(file + " is empty").isNotEmpty();
        return ComfyWire.JSON.readTree(lines.get(lines.size() - 1));
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(java.io.File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }
}
