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
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * "ComfyUI" section of Manage Jenkins » System: the servers pipelines may use, the default one, and whether a
 * Jenkinsfile may name an arbitrary {@code serverUrl}. Plain data binding (no custom {@code configure}), so
 * configuration-as-code works:
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
    private boolean allowServerUrl = true;
    private List<ComfyServerPool> pools = new ArrayList<>();

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
        // the YAML location, the form shows it on the error page
        String problem = problemWith(servers);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        this.servers = new ArrayList<>(servers == null ? List.of() : servers);
        save();
    }

    /** Name of the server used when a step names neither {@code server} nor {@code serverUrl}; null: the first one. */
    public String getDefaultServer() {
        return defaultServer;
    }

    @DataBoundSetter
    public void setDefaultServer(String defaultServer) {
        this.defaultServer = Util.fixEmptyAndTrim(defaultServer);
        save();
    }

    /** When false, pipelines may only use configured servers (a Jenkinsfile cannot make the controller call any URL). */
    public boolean isAllowServerUrl() {
        return allowServerUrl;
    }

    @DataBoundSetter
    public void setAllowServerUrl(boolean allowServerUrl) {
        this.allowServerUrl = allowServerUrl;
        save();
    }

    /** Named sets of the configured servers that share the work of a batch (see {@link ComfyServerPool}). */
    public List<ComfyServerPool> getPools() {
        return Collections.unmodifiableList(pools == null ? List.of() : pools);
    }

    @DataBoundSetter
    public void setPools(List<ComfyServerPool> pools) {
        String problem = problemWithPools(pools, servers);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        this.pools = new ArrayList<>(pools == null ? List.of() : pools);
        save();
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
        WebMethodPermissions.checkConfigure(null);
        ListBoxModel m = new ListBoxModel();
        m.add("(first server in the list)", "");
        for (ComfyServer s : servers) {
            m.add(new ListBoxModel.Option(s.getName(), s.getName(), s.getName().equals(defaultServer)));
        }
        return m;
    }

    @POST
    public FormValidation doCheckDefaultServer(@QueryParameter String value) {
        WebMethodPermissions.checkConfigure(null);
        String v = Util.fixEmptyAndTrim(value);
        if (v != null && findServer(v) == null) {
            return FormValidation.warning("No server named '%s' is configured (save the server list first)", v);
        }
        return FormValidation.ok();
    }
}
