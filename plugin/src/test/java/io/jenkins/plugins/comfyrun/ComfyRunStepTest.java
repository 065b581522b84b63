package io.jenkins.plugins.comfyrun;

import static org.assertj.core.api.Assertions.assertThat;

import hudson.model.Run;
import hudson.model.TaskListener;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Argument binding and defaults of {@code comfyRun}, as data binding (setters) leaves them. */
class ComfyRunStepTest {
    @BeforeEach
    void setUp() {
        TestJenkins.reset();
    }

    @Test
    void defaultsAreMinimalForTheSnippetGenerator() {
        ComfyRunStep s = new ComfyRunStep();
        assertThat(s.getWorkflow()).isNull();
        assertThat(s.getWorkflowFile()).isNull();
        assertThat(s.getServer()).isNull();
        assertThat(s.getServerUrl()).isNull();
        assertThat(s.getCredentialsId()).isNull();
        assertThat(s.getSet()).isNull();
        assertThat(s.getInputs()).isNull();
        assertThat(s.getOutputDir()).isNull();
        assertThat(s.getTimeout()).isNull();
        assertThat(s.getPollInterval()).isNull();
        assertThat(s.getProgressInterval()).isNull();
        assertThat(s.isCancelOnAbort()).isTrue();
        assertThat(s.isQuiet()).isFalse();
        assertThat(s.effectiveOutputDir()).isEqualTo("comfyui-out");
    }

    @Test
    void settersNormaliseBlankAndNonPositiveValues() {
        ComfyRunStep s = new ComfyRunStep();
        s.setWorkflowFile("  flows/a.json ");
        s.setServer(" ");
        s.setCredentialsId("");
        s.setTimeout(0);
        s.setPollInterval(-3);
        s.setProgressInterval(null);
        s.setSet(Map.of());
        s.setOutputDir("out/dir/");
        assertThat(s.getWorkflowFile()).isEqualTo("flows/a.json");
        assertThat(s.getServer()).isNull();
        assertThat(s.getCredentialsId()).isNull();
        assertThat(s.getTimeout()).isNull();
        assertThat(s.getPollInterval()).isNull();
        assertThat(s.getProgressInterval()).isNull();
        assertThat(s.getSet()).isNull();
        assertThat(s.effectiveOutputDir()).isEqualTo("out/dir");
    }

    @Test
    void mapsAreCopiedInOrder() {
        Map<String, Object> set = new LinkedHashMap<>();
        set.put("KSampler.seed", 42);
        set.put("Positive Prompt.text", "a cat");
        ComfyRunStep s = new ComfyRunStep();
        s.setSet(set);
        s.setInputs(Map.of("LoadImage.image", "in/a.png"));
        set.clear();
        assertThat(s.getSet()).containsExactly(Map.entry("KSampler.seed", 42), Map.entry("Positive Prompt.text", "a cat"));
        assertThat(s.getInputs()).containsEntry("LoadImage.image", "in/a.png");
    }

    @Test
    void descriptorDeclaresTheStepShape() {
        ComfyRunStep.DescriptorImpl d = new ComfyRunStep.DescriptorImpl();
        assertThat(d.getFunctionName()).isEqualTo("comfyRun");
        // no FilePath: waiting outside node {} holds no agent
        assertThat(new java.util.HashSet<Object>(d.getRequiredContext())).containsExactlyInAnyOrder(Run.class, TaskListener.class);
        assertThat(d.takesImplicitBlockArgument()).isFalse();
        assertThat(d.getDisplayName()).isEqualTo("Run a ComfyUI workflow");
    }

    @Test
    void argumentLabelNeverShowsTheWorkflowJson() {
        ComfyRunStep.DescriptorImpl d = new ComfyRunStep.DescriptorImpl();
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("workflow", "{\"3\": {\"class_type\": \"KSampler\"}}");
        args.put("credentialsId", "comfy-token");
        assertThat(d.argumentsToString(args)).isNull();
        args.put("server", "gpu-1");
        assertThat(d.argumentsToString(args)).isEqualTo("gpu-1");
        args.remove("workflow");
        args.put("workflowFile", "flows/a.json");
        assertThat(d.argumentsToString(args)).isEqualTo("gpu-1 flows/a.json");
    }
}
