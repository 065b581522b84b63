package io.jenkins.plugins.comfyrun;

import hudson.Extension;
import hudson.Util;
import hudson.model.Item;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * {@code comfyRun}: runs one ComfyUI workflow and returns a map describing the result.
 *
 * <pre>
 * def r = comfyRun(server: 'gpu-1', workflowFile: 'flows/portrait.json', set: ['KSampler.seed': 42])
 * echo "${r.status} ${r.outputs*.path}"
 * </pre>
 *
 * All parameters are optional setters (a workflow is given by {@code workflow} or {@code workflowFile}); getters
 * return null/defaults for unset ones so the snippet generator prints a minimal call. The step itself is not
 * Serializable: {@link ComfyRunExecution} copies the few values it needs.
 */
public class ComfyRunStep extends Step {
    static final String DEFAULT_OUTPUT_DIR = "comfyui-out";

    private String workflow;
    private String workflowFile;
    private String server;
    private String serverUrl;
    private String credentialsId;
    private Map<String, Object> set;
    private Map<String, Object> inputs;
    private String outputDir;
    private Integer timeout;
    private Integer pollInterval;
    private boolean cancelOnAbort = true;
    private Integer progressInterval;
    private boolean quiet;

    @DataBoundConstructor
    public ComfyRunStep() {
    }

    @Override
    public StepExecution start(StepContext context) throws Exception {
        return new ComfyRunExecution(context, this);
    }

    public String getWorkflow() {
        return workflow;
    }

    /** API-format workflow JSON text. */
    @DataBoundSetter
    public void setWorkflow(String workflow) {
        this.workflow = Util.fixEmptyAndTrim(workflow);
    }

    public String getWorkflowFile() {
        return workflowFile;
    }

    @DataBoundSetter
    public void setWorkflowFile(String workflowFile) {
        this.workflowFile = Util.fixEmptyAndTrim(workflowFile);
    }

    public String getServer() {
        return server;
    }

    @DataBoundSetter
    public void setServer(String server) {
        this.server = Util.fixEmptyAndTrim(server);
    }

    public String getServerUrl() {
        return serverUrl;
    }

    @DataBoundSetter
    public void setServerUrl(String serverUrl) {
        this.serverUrl = Util.fixEmptyAndTrim(serverUrl);
    }

    public String getCredentialsId() {
        return credentialsId;
    }

    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = Util.fixEmptyAndTrim(credentialsId);
    }

    public Map<String, Object> getSet() {
        return set == null ? null : java.util.Collections.unmodifiableMap(set);
    }

    /** Overrides {@code "node.input" -> value}, node by id, class type or title. */
    @DataBoundSetter
    public void setSet(Map<String, Object> set) {
        this.set = plainKeys(set, true);
    }

    public Map<String, Object> getInputs() {
        return inputs == null ? null : java.util.Collections.unmodifiableMap(inputs);
    }

    /**
     * Uploads {@code "node.input" -> workspace file} before submitting; the node input receives the uploaded name.
     * Values are checked when the step runs ({@link InputUploads}): anything but text fails naming its key.
     */
    @DataBoundSetter
    public void setInputs(Map<String, ?> inputs) {
        this.inputs = plainKeys(inputs, true);
    }

    /**
     * Groovy hands maps over unchanged (structs has no Map type to coerce to), so keys and values may be GStrings
     * ({@code "${n}.seed"}): turn every key, and text values, into Strings, so nothing later casts a GString.
     */
    private static Map<String, Object> plainKeys(Map<?, ?> m, boolean textValues) {
        if (m == null || m.isEmpty()) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            Object v = e.getValue();
            out.put(String.valueOf(e.getKey()), textValues && v instanceof CharSequence cs && !(v instanceof String) ? cs.toString() : v);
        }
        return out;
    }

    public String getOutputDir() {
        return outputDir;
    }

    @DataBoundSetter
    public void setOutputDir(String outputDir) {
        this.outputDir = Util.fixEmptyAndTrim(outputDir);
    }

    /** Effective output directory: the given one without trailing separators, or {@value #DEFAULT_OUTPUT_DIR}. */
    String effectiveOutputDir() {
        if (outputDir == null) {
            return DEFAULT_OUTPUT_DIR;
        }
        String d = outputDir.replace('\\', '/');
        while (d.endsWith("/")) {
            d = d.substring(0, d.length() - 1);
        }
        return d.equals(".") ? "" : d;
    }

    public Integer getTimeout() {
        return timeout;
    }

    /** Minutes for the whole prompt (queue included); null: no limit besides the no-signal timeout. */
    @DataBoundSetter
    public void setTimeout(Integer timeout) {
        this.timeout = timeout == null || timeout <= 0 ? null : timeout;
    }

    public Integer getPollInterval() {
        return pollInterval;
    }

    /** Longest seconds between two history polls in the polling fallback. */
    @DataBoundSetter
    public void setPollInterval(Integer pollInterval) {
        this.pollInterval = pollInterval == null || pollInterval <= 0 ? null : pollInterval;
    }

    public boolean isCancelOnAbort() {
        return cancelOnAbort;
    }

    @DataBoundSetter
    public void setCancelOnAbort(boolean cancelOnAbort) {
        this.cancelOnAbort = cancelOnAbort;
    }

    public Integer getProgressInterval() {
        return progressInterval;
    }

    /** At most one progress line per this many seconds. */
    @DataBoundSetter
    public void setProgressInterval(Integer progressInterval) {
        this.progressInterval = progressInterval == null || progressInterval <= 0 ? null : progressInterval;
    }

    public boolean isQuiet() {
        return quiet;
    }

    @DataBoundSetter
    public void setQuiet(boolean quiet) {
        this.quiet = quiet;
    }

    @Extension
    public static class DescriptorImpl extends StepDescriptor {
        /**
         * Only the run and its log: NOT FilePath, so a long wait outside {@code node {}} holds no agent. The
         * workspace is used when present (outputs, workflowFile, inputs).
         */
        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return Set.of(Run.class, TaskListener.class);
        }

        @Override
        public String getFunctionName() {
            return "comfyRun";
        }

        @Override
        public String getDisplayName() {
            return "Run a ComfyUI workflow";
        }

        /**
         * The label shown for the step in the pipeline views: the server and the workflow file, never the workflow
         * JSON (large) and never anything secret (the step takes no secret: only a credentials id).
         */
        @Override
        public String argumentsToString(Map<String, Object> namedArgs) {
            Object srv = namedArgs.get("server") != null ? namedArgs.get("server") : namedArgs.get("serverUrl");
            Object file = namedArgs.get("workflowFile");
            StringBuilder b = new StringBuilder();
            if (srv != null) {
                b.append(srv);
            }
            if (file != null) {
                b.append(b.length() > 0 ? " " : "").append(file);
            }
            return b.length() > 0 ? b.toString() : null;
        }

        @POST
        public ListBoxModel doFillServerItems(@AncestorInPath Item item, @QueryParameter String server) {
            if (!WebMethodPermissions.mayConfigure(item)) {
                return new ListBoxModel(); // what Jenkins forms expect from a user without the permission, not a 403
            }
            ListBoxModel m = new ListBoxModel();
            m.add("(default server)", "");
            for (ComfyServer s : ComfyGlobalConfiguration.get().getServers()) {
                m.add(new ListBoxModel.Option(s.getName(), s.getName(), s.getName().equals(server)));
            }
            for (ComfyServerPool p : ComfyGlobalConfiguration.get().getPools()) {
                m.add(new ListBoxModel.Option("pool " + p.getName(), p.getName(), p.getName().equals(server)));
            }
            return m;
        }

        @POST
        public ListBoxModel doFillCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String credentialsId) {
            // softer gate (by design of the credentials plugin): without permission only the current value is echoed
            return ServerCredentials.fillItems(item, credentialsId);
        }

        @POST
        public FormValidation doCheckCredentialsId(@AncestorInPath Item item, @QueryParameter String value) {
            if (!WebMethodPermissions.mayConfigure(item)) {
                return FormValidation.ok(); // what Jenkins forms expect from a user without the permission, not a 403
            }
            return ServerCredentials.check(item, value);
        }

        @POST
        public FormValidation doCheckServerUrl(@AncestorInPath Item item, @QueryParameter String value) {
            if (!WebMethodPermissions.mayConfigure(item)) {
                return FormValidation.ok(); // what Jenkins forms expect from a user without the permission, not a 403
            }
            if (Util.fixEmptyAndTrim(value) == null) {
                return FormValidation.ok();
            }
            if (!ComfyGlobalConfiguration.get().isAllowServerUrl()) {
                return FormValidation.error("An administrator has disabled serverUrl: choose a configured server");
            }
            String problem = ComfyServer.checkUrlSyntax(value);
            return problem == null ? FormValidation.ok() : FormValidation.error(problem);
        }

        @POST
        public FormValidation doCheckOutputDir(@AncestorInPath Item item, @QueryParameter String value) {
            if (!WebMethodPermissions.mayConfigure(item)) {
                return FormValidation.ok(); // what Jenkins forms expect from a user without the permission, not a 403
            }
            String problem = WorkspaceOutputSink.checkOutputDir(Util.fixEmptyAndTrim(value));
            return problem == null ? FormValidation.ok() : FormValidation.error(problem);
        }
    }
}
