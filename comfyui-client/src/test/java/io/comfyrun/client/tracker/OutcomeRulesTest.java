package io.comfyrun.client.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyrun.client.Outcome;
import io.comfyrun.client.PromptError;
import io.comfyrun.client.http.Json;
import io.comfyrun.client.progress.NodeRef;
import io.comfyrun.client.tracker.ServerMessage.ProgressState.NodeEntry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The end rules, one by one, on the {@code /history} entries a real ComfyUI 0.3.64 recorded (comfyui-traces 11, 20
 * and 30; prompt ids, timestamps and the traceback shortened).
 */
class OutcomeRulesTest {

    private static final String CACHED_RUN = """
            {"outputs": {"9": {"images": [{"filename": "ComfyUI_00001_.png", "subfolder": "", "type": "output"}]}},
             "status": {"status_str": "success", "completed": true, "messages": [
               ["execution_start", {"prompt_id": "p"}],
               ["execution_cached", {"nodes": ["3", "4", "5", "6", "7", "8", "9"], "prompt_id": "p"}],
               ["execution_success", {"prompt_id": "p"}]]}}""";

    private static final String ERROR_RUN = """
            {"outputs": {}, "status": {"status_str": "error", "completed": false, "messages": [
               ["execution_start", {"prompt_id": "p"}],
               ["execution_cached", {"nodes": ["4", "5"], "prompt_id": "p"}],
               ["execution_error", {"prompt_id": "p", "node_id": "10", "node_type": "LoraLoader", "executed": [],
                 "exception_message": "Error while deserializing header: header too large\\n",
                 "exception_type": "safetensors._safetensors_rust.SafetensorError",
                 "traceback": ["  File \\"/srv/ComfyUI/execution.py\\", line 496, in execute\\n"]}]]}}""";

    private static final String INTERRUPT_RUN = """
            {"outputs": {}, "status": {"status_str": "error", "completed": false, "messages": [
               ["execution_start", {"prompt_id": "p"}],
               ["execution_cached", {"nodes": ["4", "5"], "prompt_id": "p"}],
               ["execution_interrupted", {"prompt_id": "p", "node_id": "3", "node_type": "KSampler",
                 "executed": ["7", "6"]}]]}}""";

    private final List<String> told = new ArrayList<>();
    private final NodeSlots nodes = NodeSlotsTest.recording(told);

    @Test
    void aCachedRunIsParsedOnceAndSucceeds() {
        HistoryEntry h = HistoryEntry.parse(Json.parseLenient(CACHED_RUN));

        assertThat(h.status()).isEqualTo(HistoryEntry.Status.SUCCESS);
        assertThat(h.cachedBatches()).containsExactly(List.of("3", "4", "5", "6", "7", "8", "9"));
        assertThat(h.succeeded()).isTrue();
        assertThat(h.wrote("9")).isTrue();
        assertThat(h.wrote("3")).isFalse();
        assertThat(OutcomeRules.ofHistory(h, nodes, false)).isEqualTo(OutcomeRules.SUCCESS);
    }

    @Test
    void aRecordedErrorFailsThePromptAtItsNode() {
        HistoryEntry h = HistoryEntry.parse(Json.parseLenient(ERROR_RUN));

        assertThat(h.status()).isEqualTo(HistoryEntry.Status.ERROR);
        assertThat(h.failedAtNode()).isTrue();
        assertThat(h.succeeded()).isFalse();
        OutcomeRules.Verdict v = OutcomeRules.ofHistory(h, nodes, false);
        assertThat(v.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(v.errors()).singleElement().satisfies(e -> {
            assertThat(e.nodeId()).isEqualTo("10");
            assertThat(e.classType()).isEqualTo("LoraLoader");
            assertThat(e.type()).isEqualTo("safetensors._safetensors_rust.SafetensorError");
        });
        assertThat(nodes.progress()).anySatisfy(n -> {
            assertThat(n.node().id()).isEqualTo("10");
            assertThat(n.state()).isEqualTo(io.comfyrun.client.progress.NodeState.ERROR);
        });
    }

    @Test
    void aRecordedInterruptWinsOverTheErrorStatusItComesWith() {
        HistoryEntry h = HistoryEntry.parse(Json.parseLenient(INTERRUPT_RUN));

        assertThat(h.status()).as("ComfyUI records an interrupt as status_str error").isEqualTo(HistoryEntry.Status.ERROR);
        assertThat(h.recordedFailedWithoutDetails()).isFalse();
        assertThat(OutcomeRules.ofHistory(h, nodes, false)).isEqualTo(new OutcomeRules.Verdict(Outcome.INTERRUPTED,
                List.of(new PromptError("interrupted", null, null, null, null, "prompt interrupted on the server", ""))));
        assertThat(OutcomeRules.ofHistory(h, nodes, true).errors()).extracting(PromptError::message)
                .containsExactly("prompt cancelled by this client");
    }

    @Test
    void anErrorStatusWithNoMessageFailsWithoutDetails() {
        HistoryEntry h = HistoryEntry.parse(Json.parseLenient("{\"outputs\": {}, \"status\": {\"status_str\": \"error\"}}"));

        assertThat(h.hasMessages()).isFalse();
        OutcomeRules.Verdict v = OutcomeRules.ofHistory(h, nodes, false);
        assertThat(v.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(v.errors()).extracting(PromptError::message)
                .containsExactly("the server recorded the prompt as failed without details");
    }

    @Test
    void anEndToldBeforeThePostAnswerIsHeldAndRefusedNodesMakeASuccessRejected() {
        OutcomeRules rules = new OutcomeRules();
        PromptError refused = new PromptError("required_input_missing", "12", "SaveImage", "Save", "images",
                "Required input is missing", "images");

        assertThat(rules.holdsUntilAnswered(true, OutcomeRules.SUCCESS)).isTrue();
        OutcomeRules.Verdict held = rules.answered(List.of(refused));
        assertThat(held).isEqualTo(OutcomeRules.SUCCESS);
        assertThat(rules.holdsUntilAnswered(true, held)).as("the answer is in: nothing is held any more").isFalse();

        OutcomeRules.Verdict decided = rules.withRefusals(held);
        assertThat(decided.outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(decided.errors()).containsExactly(refused);
        assertThat(rules.withRefusals(new OutcomeRules.Verdict(Outcome.FAILED, List.of())).outcome())
                .as("a failure stays a failure").isEqualTo(Outcome.FAILED);
    }

    @Test
    void anEndWithNoPostOutIsNeverHeld() {
        OutcomeRules rules = new OutcomeRules();

        assertThat(rules.holdsUntilAnswered(false, OutcomeRules.SUCCESS)).isFalse();
        assertThat(rules.withRefusals(OutcomeRules.SUCCESS)).isEqualTo(OutcomeRules.SUCCESS);
    }

    @Test
    void progressStateNodeStatesAreParsedOnceAtTheEdge() {
        ServerMessage m = ServerMessage.parse("""
                {"type": "progress_state", "data": {"prompt_id": "p", "nodes": {
                  "3": {"state": "running", "value": 4, "max": 20}, "4": {"state": "finished", "value": 1, "max": 1},
                  "5": {"state": "pending"}, "6": {"state": "error"}, "7": {"state": "paused"}}}}""");

        assertThat(((ServerMessage.ProgressState) m).nodes().values()).extracting(NodeEntry::state).containsExactly(
                NodeEntry.State.RUNNING, NodeEntry.State.FINISHED, NodeEntry.State.PENDING, NodeEntry.State.ERROR,
                NodeEntry.State.UNKNOWN);
        nodes.progressState(((ServerMessage.ProgressState) m).nodes());
        assertThat(told).containsExactly("3 started", "4 finished");
    }
}
