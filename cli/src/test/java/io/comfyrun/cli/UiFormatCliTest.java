package io.comfyrun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.journal.JournalEntry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code comfyrun run} and {@code comfyrun convert} on a workflow saved from the editor, against the real fake. */
class UiFormatCliTest {

    static final Path EXAMPLES = Path.of("..", "examples", "workflows").toAbsolutePath().normalize();
    static final Path UI = EXAMPLES.resolve("txt2img.ui.json");
    static final ObjectMapper JSON = new ObjectMapper();

    static FakeComfyUI fake;

    @TempDir
    Path out;

    @BeforeAll
    static void startFake() {
        fake = FakeComfyUI.builder().port(0).timeScale(200).seed(3).start();
    }

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    static RunCommandTest.Run cli(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = ComfyRun.execute(args, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8), Map.of(), false, false);
        return new RunCommandTest.Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    String server() {
        return fake.baseUrl().toString().replaceAll("/$", "");
    }

    @Test
    void runTakesTheEditorsFileSaysOnceWhatItConvertedAndSetsByTheEditorsTitles() throws Exception {
        RunCommandTest.Run r = cli("run", "--server", server(), "--out", out.toString(),
                "--set", "\"Positive Prompt\".text=a red fox in the snow", "--set", "KSampler.seed=777", UI.toString());
        assertThat(r.code()).as(r.stdout() + r.stderr()).isZero();
        assertThat(r.stdout().lines().filter(l -> l.contains("converted from UI format")).toList()).containsExactly(
                "[comfyRun] txt2img.ui.json: converted from UI format with the node catalogue of " + server());
        assertThat(r.stdout()).contains("[ComfyUI] node 6 CLIPTextEncode \"Positive Prompt\"")
                .contains("[ComfyUI] node 9 SaveImage \"Save Image\": wrote ");

        JsonNode body = JSON.readTree(fake.journal().requests("POST", "/prompt").get(0).text());
        assertThat(body.at("/prompt/6/inputs/text").asText()).isEqualTo("a red fox in the snow");
        assertThat(body.at("/prompt/3/inputs/seed").asLong()).isEqualTo(777);
        assertThat(body.at("/extra_data/extra_pnginfo/workflow")).isEqualTo(JSON.readTree(UI.toFile()));

        try (Stream<Path> files = Files.walk(out)) {
            Path png = files.filter(p -> p.toString().endsWith(".png")).findFirst().orElseThrow();
            String bytes = new String(Files.readAllBytes(png), StandardCharsets.ISO_8859_1);
            assertThat(bytes).contains("tEXtworkflow\0{\"id\": ").contains("tEXtprompt\0{");
        }
    }

    @Test
    void convertPrintsTheEditorsApiPromptFromTheServersCatalogue() throws Exception {
        RunCommandTest.Run r = cli("convert", "--server", server(), UI.toString());
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(JSON.readTree(r.stdout())).isEqualTo(JSON.readTree(EXAMPLES.resolve("txt2img.json").toFile()));
        assertThat(fake.journal().entries(e -> e.kind() == JournalEntry.Kind.HTTP_REQUEST
                && "/object_info".equals(e.path()))).isNotEmpty();
    }

    @Test
    void convertWorksOfflineFromASavedCatalogue(@TempDir Path dir) throws Exception {
        Path objectInfo = dir.resolve("object_info.json");
        Files.writeString(objectInfo, JSON.writeValueAsString(fake.catalog().objectInfoAll()));
        RunCommandTest.Run r = cli("convert", "--object-info", objectInfo.toString(), UI.toString());
        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(JSON.readTree(r.stdout())).isEqualTo(JSON.readTree(EXAMPLES.resolve("txt2img.json").toFile()));
    }

    @Test
    void aNodeTheServerLacksIsAUsageErrorNamingNodeAndServer(@TempDir Path dir) throws Exception {
        JsonNode ui = JSON.readTree(UI.toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) ui.get("nodes").get(6)).put("type", "UltimateSDUpscale")
                .put("title", "Upscaler");
        Path file = dir.resolve("upscale.ui.json");
        Files.writeString(file, JSON.writeValueAsString(ui));
        RunCommandTest.Run r = cli("run", "--server", server(), "--out", out.toString(), file.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.stderr()).contains("node 9 \"Upscaler\" (UltimateSDUpscale) is not installed on " + server());
        RunCommandTest.Run c = cli("convert", "--server", server(), file.toString());
        assertThat(c.code()).isEqualTo(2);
        assertThat(c.stderr()).contains("(UltimateSDUpscale) is not installed on " + server());
    }

    @Test
    void anUnreachableCatalogueSaysHowToConvertOffline() {
        RunCommandTest.Run r = cli("convert", "--server", "http://127.0.0.1:1", UI.toString());
        assertThat(r.code()).isEqualTo(4);
        assertThat(r.stderr()).contains("cannot fetch the node catalogue (GET /object_info)").contains("--object-info FILE");
        assertThat(List.of(r.stdout())).containsExactly("");
    }
}
