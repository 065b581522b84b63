package io.comfyrun.client.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyrun.client.ComfyClient;
import io.comfyrun.client.ComfyHttpApi;
import io.comfyrun.client.OutputRef;
import io.comfyrun.client.ServerConfig;
import io.comfyrun.client.UploadedFile;
import io.comfyrun.fake.FakeComfyUI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Upload and download through the real fake server over loopback HTTP. */
class TransfersAgainstFakeTest {

    /** A 1x1 PNG, the bytes of the recorded trace's tiny.png. */
    static final byte[] PNG = java.util.Base64.getDecoder().decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==");

    static FakeComfyUI fake;
    static ComfyClient client;
    static ComfyHttpApi api;

    @BeforeAll
    static void start() throws Exception {
        fake = FakeComfyUI.builder().port(0).timeScale(100).start();
        client = ComfyClient.create();
        api = client.http(ServerConfig.of(fake.baseUrl()));
    }

    @AfterAll
    static void stop() {
        client.close();
        fake.close();
    }

    @Test
    void uploadThenDownloadTheSameBytes(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("photo.png");
        Files.write(src, PNG);
        UploadedFile up = InputUploader.upload(api, src);
        assertThat(up.name()).isEqualTo("photo.png");
        assertThat(up.type()).isEqualTo("input");
        assertThat(fake.journal().requests("POST", "/upload/image")).isNotEmpty();

        Path out = dir.resolve("out");
        OutputDownloader downloader = OutputDownloader.defaults().withTypes(Set.of("input"));
        List<DownloadedFile> files = downloader.downloadAll(api,
                List.of(new OutputRef("10", up.name(), up.subfolder(), "input", "images"),
                        new OutputRef("11", "preview.png", "", "temp", "images")),
                new LocalDirectorySink(out));
        assertThat(files).hasSize(1);
        assertThat(files.get(0).ok()).isTrue();
        assertThat(files.get(0).bytes()).isEqualTo(PNG.length);
        assertThat(Files.readAllBytes(out.resolve("photo.png"))).isEqualTo(PNG);
    }

    @Test
    void aMissingFileOrAnUnsafeNameLeavesNothingBehind(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        List<DownloadedFile> files = OutputDownloader.defaults().downloadAll(api, List.of(
                new OutputRef("9", "does-not-exist.png", "", "output", "images"),
                new OutputRef("9", "../../evil.png", "", "output", "images"),
                new OutputRef("9", "x.png", "/etc", "output", "images")), new LocalDirectorySink(out));
        assertThat(files).extracting(DownloadedFile::ok).containsExactly(false, false, false);
        assertThat(files.get(0).error()).contains("does-not-exist.png").contains("404");
        assertThat(files.get(1).error()).contains("refused output of node 9").contains("'..'");
        assertThat(files.get(2).error()).contains("absolute");
        assertThat(dir.resolve("evil.png")).doesNotExist();
        assertNoFiles(dir);
    }

    @Test
    void theSizeCapAbortsAndDeletesThePartialFile(@TempDir Path dir) throws Exception {
        UploadedFile up = InputUploader.upload(api, "capped.png", PNG);
        Path out = dir.resolve("out");
        assertThatThrownBy(() -> OutputDownloader.defaults().withTypes(Set.of("input")).withMaxBytes(10)
                .download(api, new OutputRef("10", up.name(), "", "input", "images"), new LocalDirectorySink(out)))
                .isInstanceOf(OutputTooLargeException.class)
                .hasMessageContaining("10-byte cap");
        assertNoFiles(dir);
    }

    @Test
    void uploadRejectsUnsafeNames() {
        assertThatThrownBy(() -> InputUploader.upload(api, "../x.png", PNG)).isInstanceOf(UnsafeNameException.class);
    }

    static void assertNoFiles(Path dir) throws Exception {
        try (Stream<Path> all = Files.walk(dir)) {
            assertThat(all.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void anUploadThatTakesLongerThanItsTimeoutFailsNamingTheTimeout() {
        // The server holds the answer 20 s real (2,000 s virtual at scale 100); the upload may take 300 ms.
        fake.faults().httpDelay(io.comfyrun.fake.scenario.Trigger.onRoute("POST", "/upload/image"), 2_000_000);
        assertThatThrownBy(() -> InputUploader.upload(api, "slow.png", PNG, java.time.Duration.ofMillis(300)))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("slow.png").hasMessageContaining("upload timeout of 300 ms");
    }
}
