package io.comfyrun.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.journal.JournalEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Global --set on chain files, and per-item "saved" lines, against the real fake server. */
class ChainSetsAndBatchLinesTest {

    static final Path CHAIN = RunCommandTest.EXAMPLES.resolve("chain.json");

    @TempDir
    Path out;

    private static List<JsonNode> postedPrompts(FakeComfyUI fake) throws Exception {
        List<JsonNode> prompts = new ArrayList<>();
        for (JournalEntry e : fake.journal().requests("POST", "/prompt")) {
            prompts.add(RunCommandTest.JSON.readTree(e.text()).path("prompt"));
        }
        return prompts;
    }

    @Test
    void globalSetReachesEveryChainStepWhereItResolvesAndTheStepsOwnSetWins() throws Exception {
        try (FakeComfyUI fake = FakeComfyUI.builder().port(0).timeScale(200).seed(21).start()) {
            RunCommandTest.Run r = RunCommandTest.run("run", "--server", fake.baseUrl().toString(), "--out", out.toString(),
                    "--set", "KSampler.steps=3", "--set", "KSampler.seed=7", "--set", "EmptyLatentImage.width=256", CHAIN.toString());
            assertThat(r.code()).as(r.stdout() + r.stderr()).isZero();
            List<JsonNode> prompts = postedPrompts(fake);
            assertThat(prompts).hasSize(2);
            JsonNode draft = prompts.get(0);
            JsonNode watercolour = prompts.get(1);
            assertThat(draft.path("3").path("inputs").path("steps").asInt()).isEqualTo(3);
            assertThat(draft.path("3").path("inputs").path("seed").asLong()).as("the step's own set wins").isEqualTo(42);
            assertThat(draft.path("5").path("inputs").path("width").asInt()).isEqualTo(256);
            assertThat(watercolour.path("3").path("inputs").path("steps").asInt()).isEqualTo(3);
            assertThat(watercolour.path("3").path("inputs").path("seed").asLong()).isEqualTo(7);
        }
    }

    @Test
    void globalSetThatResolvesInNoStepIsAUsageErrorNamingTheKeyAndTheSteps() {
        try (FakeComfyUI fake = FakeComfyUI.builder().port(0).timeScale(200).seed(22).start()) {
            RunCommandTest.Run r = RunCommandTest.run("run", "--server", fake.baseUrl().toString(), "--out", out.toString(),
                    "--set", "KSampler.stepz=3", CHAIN.toString());
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.stderr()).contains("--set KSampler.stepz=3 names no node input in any step of the chain")
                    .contains("steps: draft, watercolour");
            assertThat(fake.journal().requests("POST", "/prompt")).isEmpty();
        }
    }

    @Test
    void globalSetWithAValueOfTheWrongTypeNamesTheStep() {
        try (FakeComfyUI fake = FakeComfyUI.builder().port(0).timeScale(200).seed(23).start()) {
            RunCommandTest.Run r = RunCommandTest.run("run", "--server", fake.baseUrl().toString(), "--out", out.toString(),
                    "--set", "KSampler.steps=many", CHAIN.toString());
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.stderr()).contains("step 1 (draft): --set KSampler.steps=many").contains("not an integer");
        }
    }

    @Test
    void eachItemsSavedLineIsPrintedWhenThatItemEndsNotWhenTheBatchEnds() {
        try (FakeComfyUI fake = FakeComfyUI.builder().port(0).timeScale(200).seed(24).start()) {
            Path wf = RunCommandTest.TXT2IMG;
            RunCommandTest.Run r = RunCommandTest.run("run", "--server", fake.baseUrl().toString(), "--out", out.toString(),
                    "--concurrency", "1", wf.toString(), wf.toString());
            assertThat(r.code()).as(r.stdout() + r.stderr()).isZero();
            List<String> lines = r.lines();
            int firstSaved = indexOf(lines, "[ComfyUI txt2img] saved ");
            int secondSubmitted = indexOf(lines, "[ComfyUI txt2img#2] prompt ");
            assertThat(firstSaved).as(r.stdout()).isNotNegative();
            assertThat(secondSubmitted).as(r.stdout()).isGreaterThan(firstSaved);
            assertThat(lines).filteredOn(l -> l.contains("] saved ")).hasSize(2);
            assertThat(lines.get(lines.size() - 1)).isEqualTo("[ComfyUI] batch: 2 of 2 succeeded; exit code 0");
        }
    }

    private static int indexOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }
}
