package io.jenkins.plugins.comfyrun;

import hudson.Extension;
import hudson.Util;
import hudson.model.AbstractDescribableImpl;
import hudson.model.Descriptor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * A named set of configured servers that share the work of {@code comfyBatch(server: 'farm', ...)}: each prompt
 * goes to the member with the least work by what its socket reports (see {@code io.comfyrun.client.pool.ServerPool}).
 * Members name servers of the same configuration, so URLs and credentials are configured once.
 *
 * <pre>
 * unclassified:
 *   comfyui:
 *     servers: [...]
 *     pools:
 *       - name: farm
 *         members:
 *           - server: gpu-1
 *           - server: gpu-2
 *             maxInFlight: 2
 * </pre>
 */
public class ComfyServerPool extends AbstractDescribableImpl<ComfyServerPool> {
    private final String name;
    private List<Member> members = new ArrayList<>();

    @DataBoundConstructor
    public ComfyServerPool(String name) {
        this.name = Util.fixEmptyAndTrim(name);
    }

    public String getName() {
        return name;
    }

    public List<Member> getMembers() {
        return Collections.unmodifiableList(members == null ? List.of() : members);
    }

    @DataBoundSetter
    public void setMembers(List<Member> members) {
        this.members = new ArrayList<>(members == null ? List.of() : members);
    }

    /** One member: a configured server's name, and at most how many of the pool's prompts it takes at once. */
    public static class Member extends AbstractDescribableImpl<Member> {
        private final String server;
        private int maxInFlight;

        @DataBoundConstructor
        public Member(String server) {
            this.server = Util.fixEmptyAndTrim(server);
        }

        public String getServer() {
            return server;
        }

        /** 0: no limit. */
        public int getMaxInFlight() {
            return maxInFlight;
        }

        @DataBoundSetter
        public void setMaxInFlight(int maxInFlight) {
            this.maxInFlight = Math.max(0, maxInFlight);
        }

        @Extension
        public static class DescriptorImpl extends Descriptor<Member> {
            @Override
            public String getDisplayName() {
                return "Pool member";
            }
        }
    }

    @Extension
    public static class DescriptorImpl extends Descriptor<ComfyServerPool> {
        @Override
        public String getDisplayName() {
            return "ComfyUI server pool";
        }
    }
}
