package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import hudson.FilePath;
import io.comfyrun.client.files.OutputSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Outputs land in the workspace through FilePath: write to a hidden part file, rename when complete, never outside. */
class WorkspaceOutputSinkTest {
    @TempDir
    Path ws;

    private static long files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void writesThenRenames() throws IOException {
        WorkspaceOutputSink sink = new WorkspaceOutputSink(new FilePath(ws.toFile()), "comfyui-out");
        try (OutputSink.PendingFile f = sink.open("portraits/a.png")) {
            f.stream().write("png!".getBytes(StandardCharsets.UTF_8));
            assertThat(ws.resolve("comfyui-out/portraits/a.png")).doesNotExist();
            assertThat(f.commit()).isEqualTo("comfyui-out/portraits/a.png");
        }
        assertThat(ws.resolve("comfyui-out/portraits/a.png")).hasContent("png!");
        assertThat(files(ws)).isEqualTo(1);
    }

    @Test
    void replacesAnOlderFileOfTheSameName() throws IOException {
        WorkspaceOutputSink sink = new WorkspaceOutputSink(new FilePath(ws.toFile()), "");
        for (String content : new String[] {"old", "new"}) {
            try (OutputSink.PendingFile f = sink.open("a.png")) {
                f.stream().write(content.getBytes(StandardCharsets.UTF_8));
                f.commit();
            }
        }
        assertThat(ws.resolve("a.png")).hasContent("new");
    }

    @Test
    void abortLeavesNothing() throws IOException {
        WorkspaceOutputSink sink = new WorkspaceOutputSink(new FilePath(ws.toFile()), "out");
        try (OutputSink.PendingFile f = sink.open("a.png")) {
            f.stream().write(1);
        }
        assertThat(files(ws)).isZero();
    }

    @Test
    void refusesToLeaveTheWorkspace() {
        WorkspaceOutputSink sink = new WorkspaceOutputSink(new FilePath(ws.toFile()), "out");
        assertThatThrownBy(() -> sink.open("../../etc/passwd")).isInstanceOf(IOException.class).hasMessageContaining("leave the workspace");
    }

    /** A new job's node {} allocates the workspace without creating it: the first output creates it (real isDescendant). */
    @Test
    void writesIntoAWorkspaceThatDoesNotExistYet() throws IOException {
        Path fresh = ws.resolve("workspace/p");
        WorkspaceOutputSink sink = new WorkspaceOutputSink(new FilePath(fresh.toFile()), "comfyui-out");
        try (OutputSink.PendingFile f = sink.open("ComfyUI_00001_.png")) {
            f.stream().write("png!".getBytes(StandardCharsets.UTF_8));
            assertThat(f.commit()).isEqualTo("comfyui-out/ComfyUI_00001_.png");
        }
        assertThat(fresh.resolve("comfyui-out/ComfyUI_00001_.png")).hasContent("png!");
    }

    @Test
    void refusesASymlinkThatLeadsOutOfTheWorkspace(@TempDir Path elsewhere) throws IOException {
        Files.createSymbolicLink(ws.resolve("out"), elsewhere);
        WorkspaceOutputSink sink = new WorkspaceOutputSink(new FilePath(ws.toFile()), "out");
        assertThatThrownBy(() -> sink.open("a.png")).isInstanceOf(IOException.class).hasMessageContaining("leave the workspace");
        assertThat(files(elsewhere)).isZero();
    }

    @Test
    void outputDirMustBeRelativeAndInside() {
        assertThat(WorkspaceOutputSink.checkOutputDir("comfyui-out")).isNull();
        assertThat(WorkspaceOutputSink.checkOutputDir(null)).isNull();
        assertThat(WorkspaceOutputSink.checkOutputDir("/etc")).contains("relative");
        assertThat(WorkspaceOutputSink.checkOutputDir("C:\\x")).contains("relative");
        assertThat(WorkspaceOutputSink.checkOutputDir("a/../../b")).contains("..");
    }
}
