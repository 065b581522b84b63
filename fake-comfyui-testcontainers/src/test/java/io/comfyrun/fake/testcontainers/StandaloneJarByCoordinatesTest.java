package io.comfyrun.fake.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container finds the standalone jar by its Maven coordinates ({@code io.comfyrun:fake-comfyui:<version>:jar:
 * standalone}): on the test class path where a consumer declared it, or in the local repository, never by a path into
 * a clone of this repository.
 */
class StandaloneJarByCoordinatesTest {

    @Test
    void theVersionIsThisModulesOwn() {
        assertThat(FakeComfyUIImage.version()).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        assertThat(FakeComfyUIImage.standaloneFileName())
                .isEqualTo("fake-comfyui-" + FakeComfyUIImage.version() + "-standalone.jar");
    }

    @Test
    void aStandaloneArtifactOnTheClassPathIsUsed(@TempDir Path dir) throws IOException {
        Path jar = Files.createDirectories(dir.resolve("repo/io/comfyrun/fake-comfyui/x"))
                .resolve(FakeComfyUIImage.standaloneFileName());
        Files.write(jar, new byte[] {1});
        String classPath = dir.resolve("other.jar") + File.pathSeparator + jar;
        assertThat(FakeComfyUIImage.locateJar(null, null, classPath, dir.resolve("empty-repo"), dir))
                .isEqualTo(jar.toAbsolutePath().normalize());
    }

    @Test
    void inAReactorBuildTheRunnableJarIsRecognisedByItsManifest(@TempDir Path dir) throws IOException {
        Path library = dir.resolve("fake-comfyui-0.1.0.jar");
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(library), new Manifest())) {
            j.putNextEntry(new ZipEntry("io/comfyrun/fake/Main.class"));
        }
        Manifest runnable = new Manifest();
        runnable.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        runnable.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "io.comfyrun.fake.Main");
        Path built = Files.createDirectories(dir.resolve("fake-comfyui/target")).resolve("fake-comfyui.jar");
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(built), runnable)) {
            j.putNextEntry(new ZipEntry("io/comfyrun/fake/Main.class"));
        }
        String classPath = library + File.pathSeparator + built;
        assertThat(FakeComfyUIImage.locateJar(null, null, classPath, dir.resolve("m2"), dir.resolve("x")))
                .isEqualTo(built.toAbsolutePath().normalize());
    }

    @Test
    void theLocalRepositoryIsSearchedByCoordinates(@TempDir Path dir) throws IOException {
        Path repo = dir.resolve("m2");
        Path jar = Files.createDirectories(repo.resolve("io/comfyrun/fake-comfyui/" + FakeComfyUIImage.version()))
                .resolve(FakeComfyUIImage.standaloneFileName());
        Files.write(jar, new byte[] {1});
        assertThat(FakeComfyUIImage.locateJar(null, null, "", repo, dir.resolve("elsewhere")))
                .isEqualTo(jar.toAbsolutePath().normalize());
    }

    @Test
    void whenNothingHoldsTheJarTheErrorGivesTheDependencyToDeclare(@TempDir Path dir) {
        assertThatThrownBy(() -> FakeComfyUIImage.locateJar(null, null, "", dir.resolve("m2"), dir))
                .isInstanceOf(FakeComfyUIImageException.class)
                .hasMessageContaining("<groupId>io.comfyrun</groupId><artifactId>fake-comfyui</artifactId><version>"
                        + FakeComfyUIImage.version() + "</version><classifier>standalone</classifier>"
                        + "<scope>test</scope>");
    }
}
