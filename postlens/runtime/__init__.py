"""One model runtime for every model: lazy, locked loading, idle unloading, ONNX sessions."""
