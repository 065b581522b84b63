package io.comfyrun.client.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafeNamesTest {

    @Test
    void acceptsOrdinaryNamesAndSubfolders() {
        assertThat(SafeNames.relativePath("", "ComfyUI_00001_.png")).isEqualTo("ComfyUI_00001_.png");
        assertThat(SafeNames.relativePath(null, "a b (1).png")).isEqualTo("a b (1).png");
        assertThat(SafeNames.relativePath("portraits/2025", "x.png")).isEqualTo("portraits/2025/x.png");
        assertThat(SafeNames.relativePath("a//b/", "x.png")).isEqualTo("a/b/x.png");
        assertThat(SafeNames.relativePath("", "日本語.png")).isEqualTo("日本語.png");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/etc/passwd", "../x.png", "..", ".", "a/b.png", "a\\b.png", "C:x.png", "a\u0000.png",
            "a\n.png", "a\u007f.png", "x.png.", "x.png ", ""})
    void rejectsUnsafeFilenames(String name) {
        assertThatThrownBy(() -> SafeNames.relativePath("", name)).isInstanceOf(UnsafeNameException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/abs", "../up", "a/../../b", "a/..", "a\\b", "c:", "a\tb", "..\\x"})
    void rejectsUnsafeSubfolders(String sub) {
        assertThatThrownBy(() -> SafeNames.relativePath(sub, "x.png")).isInstanceOf(UnsafeNameException.class);
    }

    @Test
    void errorNamesTheFaultWithoutPrintingControlCharacters() {
        assertThatThrownBy(() -> SafeNames.relativePath("", "a\u001b[31m.png"))
                .hasMessageContaining("control character (U+001B)")
                .hasMessageContaining("\\u001b");
        assertThatThrownBy(() -> SafeNames.relativePath("", "x".repeat(300))).hasMessageContaining("too long");
    }

    @Test
    void aUserGivenRelativeDirectoryIsNormalisedAndMayUseEitherSeparator() {
        assertThat(SafeNames.relativeDirectory(null, "outputDir", "the workspace")).isEmpty();
        assertThat(SafeNames.relativeDirectory("", "outputDir", "the workspace")).isEmpty();
        assertThat(SafeNames.relativeDirectory("comfyui-out", "outputDir", "the workspace")).isEqualTo("comfyui-out");
        assertThat(SafeNames.relativeDirectory("./out//run 1/", "outputDir", "the workspace")).isEqualTo("out/run 1");
        assertThat(SafeNames.relativeDirectory("out\\images", "outputDir", "the workspace")).isEqualTo("out/images");
        assertThat(SafeNames.relativeDirectory("a..b/x..", "outputDir", "the workspace")).isEqualTo("a..b/x..");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/etc", "\\\\host\\share", "C:\\x", "c:out"})
    void aUserGivenDirectoryMustBeRelative(String dir) {
        assertThatThrownBy(() -> SafeNames.relativeDirectory(dir, "outputDir", "the workspace"))
                .isInstanceOf(UnsafeNameException.class)
                .hasMessageStartingWith("outputDir '")
                .hasMessageContaining("must be relative to the workspace");
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../up", "a/../../b", "a/..", "a\\..\\..\\b"})
    void aUserGivenDirectoryMustNotClimbOut(String dir) {
        assertThatThrownBy(() -> SafeNames.relativeDirectory(dir, "outputDir", "the workspace"))
                .isInstanceOf(UnsafeNameException.class)
                .hasMessageContaining("must not contain '..': it would leave the workspace");
    }

    @Test
    void aUserGivenDirectoryWithAControlCharacterIsNamedWithoutPrintingIt() {
        assertThatThrownBy(() -> SafeNames.relativeDirectory("out\nput", "outputDir", "the workspace"))
                .isInstanceOf(UnsafeNameException.class)
                .hasMessage("outputDir 'out\\u000aput' contains a control character (U+000A)");
    }

    @Test
    void localSinkWritesThenRenamesAndLeavesNothingOnAbort(@TempDir Path dir) throws Exception {
        LocalDirectorySink sink = new LocalDirectorySink(dir);
        try (OutputSink.PendingFile f = sink.open("sub/a.png")) {
            f.stream().write("hello".getBytes(StandardCharsets.UTF_8));
            assertThat(dir.resolve("sub/a.png")).doesNotExist();
            assertThat(f.commit()).isEqualTo(dir.resolve("sub/a.png").toString());
        }
        assertThat(dir.resolve("sub/a.png")).hasContent("hello");

        try (OutputSink.PendingFile f = sink.open("sub/b.png")) {
            f.stream().write(1);
        }
        assertThat(dir.resolve("sub/b.png")).doesNotExist();
        try (Stream<Path> files = Files.list(dir.resolve("sub"))) {
            assertThat(files).containsExactly(dir.resolve("sub/a.png"));
        }
        assertThatThrownBy(() -> sink.open("../escape.png")).isInstanceOf(UnsafeNameException.class);
    }
}
