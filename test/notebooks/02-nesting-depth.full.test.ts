import { notebookTests } from "./harness";

notebookTests("02-nesting-depth");
