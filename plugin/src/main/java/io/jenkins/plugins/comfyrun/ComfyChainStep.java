package io.jenkins.plugins.comfyrun;

import hudson.Extension;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code comfyChain}: workflows run one after the other on one server, a chosen output image of each uploaded into
 * a chosen input of the next (the CLI's chain file, as a step), durably.
 *
 * <pre>
 * def r = comfyChain(server: 'farm', steps: [
 *     [name: 'draft', workflowFile: 'flows/txt2img.json', set: ['KSampler.seed': 42]],
 *     [name: 'watercolour', workflowFile: 'flows/img2img.json', into: '"Load Image".image', from: '9']])
 * </pre>
 *
 * Each step: {@code workflow} (JSON text) or {@code workflowFile}, optional {@code name}, {@code set}; from the
 * second on {@code into} (the input that receives the previous step's image) and optional {@code from} (a node id;
 * default: the first output image) and {@code fromIndex}. With a pool, the chain goes to the member with the least
 * work and all its steps run there.
 */
public class ComfyChainStep extends Step {
    private List<Map<String, Object>> steps;
    private String server;
    private String outputDir;
    private Integer timeout;

    @DataBoundConstructor
    public ComfyChainStep() {
    }

    @Override
    public StepExecution start(StepContext context) throws Exception {
        return new ComfyChainExecution(context, this);
    }

    public List<Map<String, Object>> getSteps() {
        return steps;
    }

    @DataBoundSetter
    public void setSteps(List<Map<String, Object>> steps) {
        this.steps = PlainValues.listOfMaps(steps);
    }

    public String getServer() {
        return server;
    }

    @DataBoundSetter
    public void setServer(String server) {
        this.server = hudson.Util.fixEmptyAndTrim(server);
    }

    public String getOutputDir() {
        return outputDir;
    }

    @DataBoundSetter
    public void setOutputDir(String outputDir) {
        this.outputDir = hudson.Util.fixEmptyAndTrim(outputDir);
    }

    /** Minutes per step, from its submission; null: no limit. */
    public Integer getTimeout() {
        return timeout;
    }

    @DataBoundSetter
    public void setTimeout(Integer timeout) {
        this.timeout = timeout;
    }

    String effectiveOutputDir() {
        return outputDir != null ? outputDir : ComfyRunStep.DEFAULT_OUTPUT_DIR;
    }

    @Extension
    public static class DescriptorImpl extends StepDescriptor {
        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return Set.of(Run.class, TaskListener.class);
        }

        @Override
        public String getFunctionName() {
            return "comfyChain";
        }

        @Override
        public String getDisplayName() {
            return "Run ComfyUI workflows as a chain (each step's image into the next)";
        }

        @Override
        public String argumentsToString(Map<String, Object> namedArgs) {
            Object srv = namedArgs.get("server");
            Object n = namedArgs.get("steps") instanceof List<?> l ? l.size() + " steps" : null;
            return (srv == null ? "" : srv + " ") + (n == null ? "" : n);
        }
    }
}
