package io.jenkins.plugins.comfyrun;

import hudson.Extension;
import hudson.ExtensionList;
import hudson.Util;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import jenkins.model.GlobalConfiguration;
import net.sf.json.JSONObject;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.StaplerRequest2;
import org.kohsuke.stapler.verb.POST;

/**
 * "ComfyUI" section of Manage Jenkins » System: the servers pipelines may use, the default one, and whether a
 * Jenkinsfile may name an arbitrary {@code serverUrl} (off unless an administrator allows it). Data binding through
 * setters, so configuration-as-code works; {@link #configure} only clears the server list first (see there):
 *
 * <pre>
 * unclassified:
 *   comfyui:
 *     defaultServer: gpu-1
 *     allowServerUrl: false
 *     servers:
 *       - name: gpu-1
 *         url: http://gpu-1:8188/
 *         credentialsId: comfy-token
 * </pre>
 */
@Extension
@Symbol("comfyui")
public class ComfyGlobalConfiguration extends GlobalConfiguration {
    private List<ComfyServer> servers = new ArrayList<>();
    private String defaultServer;
    /** Off by default: with it, any Jenkinsfile author can make the controller send requests to any URL. */
    private boolean allowServerUrl;
    private List<ComfyServerPool> pools = new ArrayList<>();
    /** True while {@link #configure} binds the form (request thread, one at a time: Jenkins saves forms serially). */
    private transient volatile boolean binding;

    @edu.umd.cs.findbugs.annotations.SuppressFBWarnings(value = "MC_OVERRIDABLE_METHOD_CALL_IN_CONSTRUCTOR", justification = "the GlobalConfiguration pattern: load() in the constructor")
    public ComfyGlobalConfiguration() {
        load();
        // comfyui.xml is read field by field (no setter runs): report what setServers would refuse, but keep Jenkins
        // starting; a step that uses such a server fails with the same message
        String problem = problemWith(servers);
        if (problem != null) {
            LOG.log(System.Logger.Level.WARNING, "The saved ComfyUI configuration is invalid: " + problem
                    + " (fix it in Manage Jenkins » System » ComfyUI)");
        }
    }

    private static final System.Logger LOG = System.getLogger(ComfyGlobalConfiguration.class.getName());

    /**
     * Null when the list is valid; else one sentence naming the server at fault. The same rules as the form's
     * checks ({@link ComfyServer.DescriptorImpl#doCheckName}, {@code doCheckUrl}), which show them while typing.
     */
    static String problemWith(List<ComfyServer> list) {
        Set<String> names = new HashSet<>();
        int i = 0;
        for (ComfyServer s : list == null ? List.<ComfyServer>of() : list) {
            i++;
            if (s.getName() == null) {
                return "ComfyUI server #" + i + " (URL " + s.getUrl() + ") has no name: pipelines select servers by name";
            }
            if (!names.add(s.getName())) {
                return "two ComfyUI servers are named '" + s.getName() + "': names must be unique";
            }
            String url = ComfyServer.checkUrlSyntax(s.getUrl());
            if (url != null) {
                return "ComfyUI server '" + s.getName() + "': " + url;
            }
        }
        return null;
    }

    public static ComfyGlobalConfiguration get() {
        return ExtensionList.lookupSingleton(ComfyGlobalConfiguration.class);
    }

    @Override
    public String getDisplayName() {
        return "ComfyUI";
    }

    public List<ComfyServer> getServers() {
        return Collections.unmodifiableList(servers);
    }

    @DataBoundSetter
    public void setServers(List<ComfyServer> servers) {
        // form submission and configuration-as-code both bind through this setter; CasC reports the message with
        // the YAML location, configure() turns it into a form error
        String problem = problemWith(servers);
        if (problem != null) {
            throw new InvalidServerList(problem);
        }
        this.servers = new ArrayList<>(servers == null ? List.of() : servers);
        saveUnlessBinding();
    }

    /**
     * The form submission. Stapler's {@code bindJSON} calls a setter only for the keys the form sent, and a repeatable
     * list with no entry sends no {@code servers} key at all: without clearing the list first, deleting the last
     * server would silently keep it. A bad entry is reported as a form error naming it, and nothing is changed.
     */
    @Override
    public boolean configure(StaplerRequest2 req, JSONObject json) throws FormException {
        List<ComfyServer> serversBefore = servers;
        List<ComfyServerPool> poolsBefore = pools;
        String defaultBefore = defaultServer;
        boolean allowBefore = allowServerUrl;
        servers = new ArrayList<>();
        pools = new ArrayList<>();
        // Stapler calls the setters in no stated order: pools are checked against the servers once both are bound,
        // and the setters do not save while binding: the file is written once, only for a consistent configuration
        binding = true;
        try {
            boolean result = super.configure(req, json);
            String problem = problemWithPools(pools, servers);
            if (problem != null) {
                throw new InvalidServerList(problem);
            }
            binding = false;
            save();
            return result;
        } catch (RuntimeException e) {
            servers = serversBefore;
            pools = poolsBefore;
            defaultServer = defaultBefore;
            allowServerUrl = allowBefore;
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof InvalidServerList bad) {
                    throw new FormException(bad.getMessage(), bad.getMessage().startsWith("ComfyUI server pool")
                            || bad.getMessage().contains("server pools") ? "pools" : "servers");
                }
            }
            throw e;
        } finally {
            binding = false;
        }
    }

    /** A server list that {@link #problemWith} refuses; its message names the server at fault. */
    static final class InvalidServerList extends IllegalArgumentException {
        InvalidServerList(String message) {
            super(message);
        }

        private static final long serialVersionUID = 1L;
    }

    /** Name of the server used when a step names neither {@code server} nor {@code serverUrl}; null: the first one. */
    public String getDefaultServer() {
        return defaultServer;
    }

    @DataBoundSetter
    public void setDefaultServer(String defaultServer) {
        this.defaultServer = Util.fixEmptyAndTrim(defaultServer);
        saveUnlessBinding();
    }

    /** When false, pipelines may only use configured servers (a Jenkinsfile cannot make the controller call any URL). */
    public boolean isAllowServerUrl() {
        return allowServerUrl;
    }

    @DataBoundSetter
    public void setAllowServerUrl(boolean allowServerUrl) {
        this.allowServerUrl = allowServerUrl;
        saveUnlessBinding();
    }

    /** Named sets of the configured servers that share the work of a batch (see {@link ComfyServerPool}). */
    public List<ComfyServerPool> getPools() {
        return Collections.unmodifiableList(pools == null ? List.of() : pools);
    }

    @DataBoundSetter
    public void setPools(List<ComfyServerPool> pools) {
        // during a form submission the servers may not be bound yet: configure() checks the pair afterwards
        String problem = binding ? null : problemWithPools(pools, servers);
        if (problem != null) {
            throw new InvalidServerList(problem);
        }
        this.pools = new ArrayList<>(pools == null ? List.of() : pools);
        saveUnlessBinding();
    }

    /** configure() saves once after binding the whole form (and not at all when the form is refused). */
    private void saveUnlessBinding() {
        if (!binding) {
            save();
        }
    }

    /** The pool of that name, or null. */
    public ComfyServerPool findPool(String name) {
        for (ComfyServerPool p : getPools()) {
            if (p.getName() != null && p.getName().equals(name)) {
                return p;
            }
        }
        return null;
    }

    /** Null when the pools are valid; else one sentence naming the pool and member at fault. */
    static String problemWithPools(List<ComfyServerPool> list, List<ComfyServer> servers) {
        Set<String> names = new HashSet<>();
        Set<String> serverNames = new HashSet<>();
        for (ComfyServer s : servers == null ? List.<ComfyServer>of() : servers) {
            serverNames.add(s.getName());
        }
        int i = 0;
        for (ComfyServerPool p : list == null ? List.<ComfyServerPool>of() : list) {
            i++;
            if (p.getName() == null) {
                return "ComfyUI server pool #" + i + " has no name: pipelines select pools by name (server: 'farm')";
            }
            if (!names.add(p.getName())) {
                return "two ComfyUI server pools are named '" + p.getName() + "': names must be unique";
            }
            if (serverNames.contains(p.getName())) {
                return "ComfyUI server pool '" + p.getName() + "' has the name of a server; server: '" + p.getName()
                        + "' must name one or the other";
            }
            if (p.getMembers().isEmpty()) {
                return "ComfyUI server pool '" + p.getName() + "' has no members: add configured servers to it";
            }
            Set<String> members = new HashSet<>();
            for (ComfyServerPool.Member m : p.getMembers()) {
                if (m.getServer() == null || !serverNames.contains(m.getServer())) {
                    return "ComfyUI server pool '" + p.getName() + "': member '" + m.getServer() + "' is not a configured server"
                            + " (known: " + String.join(", ", serverNames) + ")";
                }
                if (!members.add(m.getServer())) {
                    return "ComfyUI server pool '" + p.getName() + "' lists server '" + m.getServer() + "' twice";
                }
            }
        }
        return null;
    }

    /** The configured server of that name, or null. */
    public ComfyServer findServer(String name) {
        for (ComfyServer s : servers) {
            if (s.getName().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** The default server: the named default if it exists, else the first configured server, else null. */
    public ComfyServer findDefaultServer() {
        ComfyServer named = defaultServer == null ? null : findServer(defaultServer);
        if (named != null) {
            return named;
        }
        return servers.isEmpty() ? null : servers.get(0);
    }

    @POST
    public ListBoxModel doFillDefaultServerItems(@QueryParameter String defaultServer) {
        if (!WebMethodPermissions.mayConfigure(null)) {
            return new ListBoxModel(); // what Jenkins forms expect from a user without the permission, not a 403
        }
        ListBoxModel m = new ListBoxModel();
        m.add("(first server in the list)", "");
        for (ComfyServer s : servers) {
            m.add(new ListBoxModel.Option(s.getName(), s.getName(), s.getName().equals(defaultServer)));
        }
        return m;
    }

    @POST
    public FormValidation doCheckDefaultServer(@QueryParameter String value) {
        if (!WebMethodPermissions.mayConfigure(null)) {
            return FormValidation.ok(); // what Jenkins forms expect from a user without the permission, not a 403
        }
        String v = Util.fixEmptyAndTrim(value);
        if (v != null && findServer(v) == null) {
            return FormValidation.warning("No server named '%s' is configured (save the server list first)", v);
        }
        return FormValidation.ok();
    }
}
