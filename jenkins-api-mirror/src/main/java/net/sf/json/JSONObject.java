package net.sf.json;

/**
 * Mirror of json-lib {@code net.sf.json.JSONObject} (Jenkins' fork), the form data Stapler hands to
 * {@code configure}. The plugin only passes it on; no member beyond the empty constructor is mirrored.
 */
public final class JSONObject {
    /** Real {@code JSONObject()}: an empty JSON object (not the null object). */
    public JSONObject() {
    }
}
