/* The guest's VGA text screen at GPA 0xB8000, printed at the end of a run
 * (hv/vga_text.c): "vga: NN |<row>" for each row that is not blank, or
 * nothing if the screen is blank (most guests never touch it). */
#ifndef EPTLAB_HV_VGA_TEXT_H
#define EPTLAB_HV_VGA_TEXT_H

struct vm;

void vga_text_print(struct vm *vm);

#endif
