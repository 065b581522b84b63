package io.comfyrun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyrun.fake.FakeComfyUI;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several --server options form a pool: against real fake servers on loopback. */
class PoolCommandTest {

    @TempDir
    Path out;

    @Test
    void severalServersShareABatchAndEachPromptIsPostedOnce() throws Exception {
        try (FakeComfyUI a = FakeComfyUI.builder().port(0).timeScale(100).seed(41).start();
             FakeComfyUI b = FakeComfyUI.builder().port(0).timeScale(100).seed(42).start();
             FakeComfyUI c = FakeComfyUI.builder().port(0).timeScale(100).seed(43).start()) {
            List<String> args = new ArrayList<>(List.of("run", "--server", a.baseUrl().toString(), "--server", b.baseUrl().toString(),
                    "--server", c.baseUrl().toString(), "--out", out.toString(), "--concurrency", "6"));
            for (int i = 0; i < 6; i++) {
                args.add(RunCommandTest.TXT2IMG.toString());
            }
            RunCommandTest.Run r = RunCommandTest.run(args.toArray(String[]::new));
            assertThat(r.code()).as(r.stdout() + r.stderr()).isZero();
            assertThat(r.stdout()).contains("[ComfyUI] batch: 6 of 6 succeeded; exit code 0");
            for (FakeComfyUI f : List.of(a, b, c)) {
                assertThat(f.journal().requests("POST", "/prompt")).as(f.baseUrl().toString()).hasSize(2);
                assertThat(r.stdout()).contains("submitted to " + f.baseUrl().toString().replaceAll("/$", ""));
            }
        }
    }

    @Test
    void anUnreachableServerOfThePoolIsSkippedWithALine() throws Exception {
        String dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = "http://127.0.0.1:" + s.getLocalPort();
        }
        try (FakeComfyUI a = FakeComfyUI.builder().port(0).timeScale(100).seed(44).start()) {
            RunCommandTest.Run r = RunCommandTest.run("run", "--server", dead, "--server", a.baseUrl().toString(),
                    "--connect-timeout", "2s", "--out", out.toString(), "--concurrency", "2",
                    RunCommandTest.TXT2IMG.toString(), RunCommandTest.TXT2IMG.toString());
            assertThat(r.code()).as(r.stdout() + r.stderr()).isZero();
            assertThat(r.stdout()).contains(dead + " could not be reached before the prompt was posted; trying another server");
            assertThat(a.journal().requests("POST", "/prompt")).hasSize(2);
        }
    }

    @Test
    void aChainFileNeedsOneServer() {
        RunCommandTest.Run r = RunCommandTest.run("run", "--server", "http://127.0.0.1:1", "--server", "http://127.0.0.1:2",
                "--out", out.toString(), RunCommandTest.EXAMPLES.resolve("chain.json").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.stderr()).contains("a chain runs on one server");
    }
}
