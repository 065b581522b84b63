package org.kohsuke.stapler;

import net.sf.json.JSONObject;

/**
 * Mirror of stapler {@code org.kohsuke.stapler.StaplerRequest2} (real: extends jakarta's HttpServletRequest, not
 * mirrored). Only the binding the plugin's {@code configure} relies on; tests implement it in test sources.
 */
public interface StaplerRequest2 {
    /**
     * Real behaviour: fills {@code bean}'s {@code @DataBoundSetter} properties from {@code src}, calling a setter only
     * for the keys present in {@code src}; a setter's RuntimeException propagates (others are wrapped).
     */
    void bindJSON(Object bean, JSONObject src);
}
