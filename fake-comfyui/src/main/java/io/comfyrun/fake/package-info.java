/** A faithful, scriptable fake ComfyUI server. */
package io.comfyrun.fake;
