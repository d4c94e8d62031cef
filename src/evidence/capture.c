/* placeholder: being written */
typedef int pl_placeholder_capture;
