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
 * {@code comfyBatch}: one workflow, many items (each a map of overrides), run through a server or a pool with a
 * concurrency limit, durably.
 *
 * <pre>
 * def r = comfyBatch(server: 'farm', workflowFile: 'flows/portrait.json', concurrency: 4,
 *                    items: [['KSampler.seed': 1], ['KSampler.seed': 2, name: 'second']])
 * echo "${r.succeeded} of ${r.total}: ${r.items*.status}"
 * </pre>
 *
 * Or {@code itemsFile: 'prompts.txt', template: ['"Positive Prompt".text': '{line}', 'KSampler.seed': '{index}']}: one
 * item per non-empty line that does not start with {@code #}.
 */
public class ComfyBatchStep extends Step {
    static final int DEFAULT_CONCURRENCY = 2;

    private String workflow;
    private String workflowFile;
    private String server;
    private List<Map<String, Object>> items;
    private String itemsFile;
    private Map<String, Object> template;
    private int concurrency = DEFAULT_CONCURRENCY;
    private boolean failFast;
    private String outputDir;
    private Integer timeout;

    @DataBoundConstructor
    public ComfyBatchStep() {
    }

    @Override
    public StepExecution start(StepContext context) throws Exception {
        return new ComfyBatchExecution(context, this);
    }

    public String getWorkflow() {
        return workflow;
    }

    @DataBoundSetter
    public void setWorkflow(String workflow) {
        this.workflow = hudson.Util.fixEmpty(workflow);
    }

    public String getWorkflowFile() {
        return workflowFile;
    }

    @DataBoundSetter
    public void setWorkflowFile(String workflowFile) {
        this.workflowFile = hudson.Util.fixEmptyAndTrim(workflowFile);
    }

    /** A configured server's name or a pool's name; null: the default server. */
    public String getServer() {
        return server;
    }

    @DataBoundSetter
    public void setServer(String server) {
        this.server = hudson.Util.fixEmptyAndTrim(server);
    }

    public List<Map<String, Object>> getItems() {
        return items;
    }

    @DataBoundSetter
    public void setItems(List<Map<String, Object>> items) {
        this.items = PlainValues.listOfMaps(items);
    }

    public String getItemsFile() {
        return itemsFile;
    }

    @DataBoundSetter
    public void setItemsFile(String itemsFile) {
        this.itemsFile = hudson.Util.fixEmptyAndTrim(itemsFile);
    }

    public Map<String, Object> getTemplate() {
        return template;
    }

    @DataBoundSetter
    public void setTemplate(Map<String, Object> template) {
        this.template = PlainValues.map(template);
    }

    public int getConcurrency() {
        return concurrency;
    }

    @DataBoundSetter
    public void setConcurrency(int concurrency) {
        this.concurrency = concurrency;
    }

    public boolean isFailFast() {
        return failFast;
    }

    @DataBoundSetter
    public void setFailFast(boolean failFast) {
        this.failFast = failFast;
    }

    public String getOutputDir() {
        return outputDir;
    }

    @DataBoundSetter
    public void setOutputDir(String outputDir) {
        this.outputDir = hudson.Util.fixEmptyAndTrim(outputDir);
    }

    /** Minutes per item, from its submission; null: no limit. */
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
            return "comfyBatch";
        }

        @Override
        public String getDisplayName() {
            return "Run a batch of ComfyUI prompts on a server or a pool";
        }

        @Override
        public String argumentsToString(Map<String, Object> namedArgs) {
            Object srv = namedArgs.get("server");
            Object n = namedArgs.get("items") instanceof List<?> l ? l.size() + " items" : namedArgs.get("itemsFile");
            return (srv == null ? "" : srv + " ") + (n == null ? "" : n);
        }
    }
}
