package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The plugin jar is made of target/classes: it must hold only the plugin's own package, never a class of the
 * compile-only Jenkins mirror, and plugin code must never call the mirror's test-support package (which does not
 * exist in real Jenkins, so the real .hpi build would fail).
 */
class MirrorNotPackagedTest {
    private static final Path CLASSES = Path.of("target", "classes");

    @Test
    void onlyPluginClassesAreBuilt() throws IOException {
        try (Stream<Path> files = Files.walk(CLASSES)) {
            List<String> classes = files.filter(p -> p.toString().endsWith(".class"))
                    .map(p -> CLASSES.relativize(p).toString().replace('\\', '/')).toList();
            assertThat(classes).isNotEmpty().allMatch(c -> c.startsWith("io/jenkins/plugins/comfyrun/"));
        }
    }

    @Test
    void pluginCodeNeverUsesMirrorOnlySupport() throws IOException {
        try (Stream<Path> files = Files.walk(CLASSES)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String bytes = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
                assertThat(bytes).as(p.toString()).doesNotContain("io/comfyrun/mirror").doesNotContain("mirrorAddArtifact")
                        .doesNotContain("mirrorSaveCount");
            }
        }
    }
}
