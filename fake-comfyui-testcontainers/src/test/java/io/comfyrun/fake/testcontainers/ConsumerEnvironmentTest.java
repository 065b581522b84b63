package io.comfyrun.fake.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer's build has none of the Testcontainers variables this repository's surefire sets. Started that way (a
 * child JVM whose environment lacks every {@code TESTCONTAINERS_*} variable), the container either starts, or fails
 * at once with a message naming each variable to set, its value and why; it never hangs on pulls for minutes.
 */
class ConsumerEnvironmentTest {

    /** Far below the 7 minutes Testcontainers spends retrying pulls, far above a loaded machine's JVM start. */
    private static final long DEADLINE_SECONDS = 120;

    @Test
    void withoutTestcontainersVariablesTheContainerStartsOrFailsNamingWhatToSetAndWhy(@TempDir Path dir)
            throws IOException, InterruptedException {
        Path out = dir.resolve("consumer.out");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-D" + FakeComfyUIImage.JAR_PROPERTY + "=" + FakeComfyUIImage.locateJar(),
                ConsumerStart.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TESTCONTAINERS_"));
        Process p = pb.start();
        boolean finished = p.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly();
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(finished).as("the consumer's start ended within " + DEADLINE_SECONDS + " s; output:\n" + output)
                .isTrue();
        if (p.exitValue() == 0) {
            assertThat(output).contains("STARTED http://");
            return;
        }
        assertThat(p.exitValue()).as(output).isEqualTo(3);
        assertThat(output).contains("ENVIRONMENT Testcontainers cannot start a container on this machine")
                .contains("cannot pull images")
                .contains("maven-surefire-plugin <configuration><environmentVariables>");
        boolean insideAContainer = new File("/.dockerenv").exists();
        assertThat(output).as("names the Ryuk variable, its value and why")
                .contains("TESTCONTAINERS_RYUK_DISABLED=true\n      why: Testcontainers would start its resource "
                        + "reaper from testcontainers/ryuk:0.14.0");
        if (insideAContainer) {
            assertThat(output).as("names the host override, its value and why")
                    .containsPattern("TESTCONTAINERS_HOST_OVERRIDE=\\S+\n      why: this JVM runs inside a container");
        }
        System.out.println("consumer without Testcontainers variables:\n" + output);
    }
}
