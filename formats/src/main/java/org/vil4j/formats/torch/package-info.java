/**
 * A reader of PyTorch {@code torch.save} checkpoints (.th, .pt, .pth) that never runs code: a strict zip reader and a
 * data-only pickle machine with a whitelist of globals. See {@link org.vil4j.formats.torch.TorchCheckpoint}.
 */
package org.vil4j.formats.torch;
