package io.comfyrun.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The answer of {@code POST /prompt}: HTTP status and parsed JSON body (a {@code MissingNode} when the body
 * was not JSON). 200 carries {@code prompt_id}, {@code number}, {@code node_errors}; 400 carries {@code error}
 * and {@code node_errors}.
 */
public record PostPromptResponse(int status, JsonNode body, String rawBody) {
}
