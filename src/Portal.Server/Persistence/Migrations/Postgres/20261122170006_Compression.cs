using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Server.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Compression : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CompressionJson",
                table: "ModelVersions",
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "CompressionRecord",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    ModelId = table.Column<Guid>(type: "uuid", nullable: false),
                    ParentVersionId = table.Column<Guid>(type: "uuid", nullable: false),
                    Method = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    RecipeJson = table.Column<string>(type: "text", nullable: false),
                    TrainDatasetId = table.Column<Guid>(type: "uuid", nullable: false),
                    TestDatasetId = table.Column<Guid>(type: "uuid", nullable: false),
                    JobId = table.Column<Guid>(type: "uuid", nullable: false),
                    CreatedBy = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ResultVersionId = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CompressionRecord", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CompressionRecord_JobId",
                table: "CompressionRecord",
                column: "JobId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_CompressionRecord_ModelId_CreatedAt",
                table: "CompressionRecord",
                columns: new[] { "ModelId", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CompressionRecord");

            migrationBuilder.DropColumn(
                name: "CompressionJson",
                table: "ModelVersions");
        }
    }
}
